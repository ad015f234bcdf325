/** The seed's fixture libraries (alpha, bravo …), generated from seeds with our stored-RAR5 writer. */
import type { FixtureGameSpec } from '../../support/fixture-games.js';

export const CATALOG_VERSION = '20250101';

/** A small game: one archive with a payload, a version.ini at `version`. */
export function smallGame(id: string, version: string | null = CATALOG_VERSION, seed = id): FixtureGameSpec {
  return {
    id,
    version,
    seed,
    archives: [{ name: `${id}.eti`, entries: [{ path: 'fixture-payload.txt', size: 4096 }, { path: 'data/assets.dat', size: 64 * 1024 }] }],
    files: [{ path: 'notes.txt', size: 300 }],
  };
}

/** fixture-alpha of the seed: alienswarm, bf1942, ggoo. */
export const ALPHA: readonly FixtureGameSpec[] = [smallGame('alienswarm'), smallGame('bf1942'), smallGame('ggoo')];

/** fixture-bravo of the seed: ggoo (the same bytes as alpha's), bfbc2, cnc4, cnctw. */
export const BRAVO: readonly FixtureGameSpec[] = [smallGame('ggoo'), smallGame('bfbc2'), smallGame('cnc4'), smallGame('cnctw')];
