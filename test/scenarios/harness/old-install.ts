/** An installed game at an older version than the catalog, and checks that it is still whole (S58, S59). */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEFAULT_MANIFEST_EXCLUDES,
  sha256Manifest,
  type FixtureGameSpec,
} from '../../support/fixture-games.js';
import { link } from './assertions.js';
import { bigGame, SMALL_CHUNKS } from './fixtures.js';
import type { Lab } from './lab.js';
import type { PeerProcess } from './peer-process.js';

/** A source with the catalog version and a client with an older version installed, linked. */
export async function oldClientNewSource(
  lab: Lab,
  game: string,
  newMib = 128,
): Promise<{ source: PeerProcess; client: PeerProcess; before: RootSnapshot }> {
  await lab.games('source', [bigGame(game, newMib)]);
  await lab.games('client', [oldGame(game, 32)]);
  const source = await lab.start('source', { extraArgs: SMALL_CHUNKS });
  const client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
  await client.cmd('install', { game }, 60_000);
  await link(client, source);
  return { source, client, before: await snapshotRoot(lab, 'client', game) };
}

export const OLD_VERSION = '20240101';

/** The same game at OLD_VERSION, with other bytes (another seed) and a file the new one lacks. */
export function oldGame(id: string, mib: number): FixtureGameSpec {
  const spec = bigGame(id, mib, { version: OLD_VERSION, seed: `${id}-${OLD_VERSION}` });
  return { ...spec, files: [...(spec.files ?? []), { path: 'old-only.txt', size: 100 }] };
}

export interface RootSnapshot {
  version: string;
  root: Record<string, string>;
  local: Record<string, string>;
}

/** The game's files only: the first-play marker is the player's, written by `play`. */
const GAME_FILES = { exclude: [...DEFAULT_MANIFEST_EXCLUDES, 'launch_settings_applied'] };

/** SHA-256 of every file of the root and of its local/, and the version in version.ini. */
export async function snapshotRoot(lab: Lab, peer: string, game: string): Promise<RootSnapshot> {
  const root = join(lab.gamesDir(peer), game);
  return {
    version: (await readFile(join(root, 'version.ini'), 'utf8')).trim(),
    root: await sha256Manifest(root, GAME_FILES),
    local: await sha256Manifest(join(root, 'local'), { exclude: [] }),
  };
}

/** No staging or backup left in the root, and nothing of ours in the games folder. */
export async function assertNoLeftovers(lab: Lab, peer: string, game: string): Promise<void> {
  const root = join(lab.gamesDir(peer), game);
  for (const name of ['.local.installing', '.local.backup']) {
    assert.equal(existsSync(join(root, name)), false, `${peer}/${game}/${name} is left`);
  }
  const work = join(lab.gamesDir(peer), '.lanspread');
  for (const kind of ['old', 'removing']) {
    const left = existsSync(join(work, kind)) ? await readdir(join(work, kind)) : [];
    assert.deepEqual(left, [], `${peer}: .lanspread/${kind} still holds ${left.join(', ')}`);
  }
}

/** The old root and its install are exactly as before, and the game plays. */
export async function assertOldIntact(
  lab: Lab,
  peer: PeerProcess,
  game: string,
  before: RootSnapshot,
): Promise<void> {
  assert.deepEqual(await snapshotRoot(lab, peer.name, game), before, 'the old root changed');
  await assertNoLeftovers(lab, peer.name, game);
  const play = await peer.request('play', { game, username: 'Gordon', language: 'english' });
  assert.equal(play.ok, true, `play after the failed update: ${JSON.stringify(play.error)}`);
}
