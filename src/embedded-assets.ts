/**
 * Files the program ships with. From the npm package they lie beside `dist/`; in a single
 * executable (`npm run dist`) they are assets inside it, and `import.meta.url` means nothing.
 */

interface SeaModule {
  isSea(): boolean;
  getAsset(key: string): ArrayBuffer;
}

// node:sea exists from Node 20.12, getBuiltinModule from 20.16: ask without failing on older 20.x.
const { getBuiltinModule } = process as { getBuiltinModule?: (id: string) => unknown };
const sea = getBuiltinModule?.('node:sea') as SeaModule | undefined;

/** True when this process is a lanspread executable rather than Node running `dist/`. */
export const isSingleExecutable: boolean = sea?.isSea() === true;

/** An asset of the executable by its key (see scripts/build-executables.mjs), or undefined outside one. */
export function embeddedAsset(key: string): ArrayBuffer | undefined {
  if (!isSingleExecutable || sea === undefined) return undefined;
  try {
    return sea.getAsset(key);
  } catch {
    return undefined;
  }
}
