/** The seed's fixture libraries (alpha, bravo …), generated from seeds with our stored-RAR5 writer. */
import type { FixtureGameSpec } from '../../support/fixture-games.js';

export const CATALOG_VERSION = '20250101';

/** A small game: one archive with a payload, a version.ini at `version`. */
export function smallGame(
  id: string,
  version: string | null = CATALOG_VERSION,
  seed = id,
): FixtureGameSpec {
  return {
    id,
    version,
    seed,
    archives: [
      {
        name: `${id}.eti`,
        entries: [
          { path: 'fixture-payload.txt', size: 4096 },
          { path: 'data/assets.dat', size: 64 * 1024 },
        ],
      },
    ],
    files: [{ path: 'notes.txt', size: 300 }],
  };
}

/** fixture-alpha of the seed: alienswarm, bf1942, ggoo. */
export const ALPHA: readonly FixtureGameSpec[] = [
  smallGame('alienswarm'),
  smallGame('bf1942'),
  smallGame('ggoo'),
];

/** fixture-bravo of the seed: ggoo (the same bytes as alpha's), bfbc2, cnc4, cnctw. */
export const BRAVO: readonly FixtureGameSpec[] = [
  smallGame('ggoo'),
  smallGame('bfbc2'),
  smallGame('cnc4'),
  smallGame('cnctw'),
];

/** A game whose archive holds `mib` MiB of seeded random bytes in `files` entries. */
export function bigGame(
  id: string,
  mib: number,
  opts: { version?: string; seed?: string; files?: number } = {},
): FixtureGameSpec {
  const files = opts.files ?? 2;
  const each = Math.floor((mib * 1024 * 1024) / files);
  return {
    id,
    version: opts.version ?? CATALOG_VERSION,
    seed: opts.seed ?? id,
    archives: [
      {
        name: `${id}.eti`,
        entries: Array.from({ length: files }, (_, i) => ({
          path: `data/part${i}.bin`,
          size: each,
        })),
      },
    ],
    files: [{ path: 'notes.txt', size: 512 }],
  };
}

/** Small chunks make multi-chunk behaviour visible on small, fast fixtures. */
export const SMALL_CHUNKS = ['--chunk-size', String(1024 * 1024)];
