/** Source/receiver equality by SHA-256 manifests of the transferred root (local/ etc. excluded). */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sha256Manifest } from '../../support/fixture-games.js';
import type { Lab } from './lab.js';

export async function assertSameRoot(
  lab: Lab,
  source: string,
  receiver: string,
  game: string,
): Promise<number> {
  const want = await sha256Manifest(join(lab.gamesDir(source), game));
  const got = await sha256Manifest(join(lab.gamesDir(receiver), game));
  assert.deepEqual(got, want, `${receiver}/${game} differs from ${source}/${game}`);
  return Object.keys(want).length;
}
