/** The serving gates (S12): what a peer refuses to serve, each refusal with its reason code. */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CatalogGame } from '../catalog/index.js';
import { LanspreadError } from '../errors.js';
import type { GameVersion } from '../ids.js';
import type { LocalGame } from '../library/index.js';
import { isTransferablePath } from './transferable-path.js';

export function checkServeGame(input: {
  entry: CatalogGame | undefined;
  game: LocalGame | undefined;
  activeOperation: 'download' | 'install' | null;
  requestedVersion: GameVersion;
}): LanspreadError | null {
  const { entry, game } = input;
  if (entry === undefined)
    return new LanspreadError('serve-unknown-game', "the game is not in this peer's catalog");
  if (input.activeOperation !== null) {
    return new LanspreadError(
      'serve-busy',
      `${entry.id} is being changed here (${input.activeOperation})`,
    );
  }
  if (game === undefined || !game.downloaded || game.version !== entry.version) {
    return new LanspreadError(
      'serve-not-ready',
      `${entry.id} is not complete here at version ${entry.version}`,
    );
  }
  if (input.requestedVersion !== entry.version) {
    return new LanspreadError(
      'serve-version-mismatch',
      `asked for ${entry.id} ${input.requestedVersion}, this peer has ${entry.version}`,
    );
  }
  return null;
}

/** Resolves a requested path to a regular file inside the root, never through a symlink. */
export async function resolveServePath(
  root: string,
  relPath: string,
): Promise<{ absPath: string; size: number }> {
  if (!isTransferablePath(relPath))
    throw new LanspreadError('serve-bad-path', `${JSON.stringify(relPath)} is not servable`);
  const segments = relPath.split('/');
  let at = root;
  for (const [i, segment] of segments.entries()) {
    at = join(at, segment);
    const st = await lstat(at).catch(() => undefined);
    const last = i === segments.length - 1;
    if (st === undefined || st.isSymbolicLink() || (last ? !st.isFile() : !st.isDirectory())) {
      throw new LanspreadError(
        'serve-bad-path',
        `${relPath} is not a regular file of the game root`,
      );
    }
    if (last) return { absPath: at, size: st.size };
  }
  throw new LanspreadError('serve-bad-path', 'empty path');
}
