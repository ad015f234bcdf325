import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../../src/logger.js';
import { Peer, type GamesResult, type PeerCommand } from '../../../src/peer/index.js';
import { writeFixtureGame } from '../../support/fixture-games.js';

// Item 7 of issue 15: while an operation runs on a game here, its row names that operation
// (an uninstall is not `Installing`).
const dir = await mkdtemp(join(tmpdir(), 'lanspread-availability-'));
let peer: Peer;

before(async () => {
  const games = join(dir, 'games');
  for (const id of ['bfbc2', 'cnc4'])
    await writeFixtureGame(games, {
      id,
      version: '20250101',
      files: [{ path: 'notes.txt', size: 300 }],
      installed: true,
    });
  peer = await Peer.start({
    gamesDir: games,
    stateDir: join(dir, 'state'),
    name: 'solo',
    listenHost: '127.0.0.1',
    listenPort: 0,
    log: silentLogger,
  });
});

after(async () => {
  await peer.shutdown();
  await rm(dir, { recursive: true, force: true });
});

async function availability(game: string): Promise<string | undefined> {
  const { local } = (await peer.execute({ cmd: 'list-games' })) as GamesResult;
  return local.find((row) => row.id === game)?.availability;
}

/** The game's availability while `command` runs (it claims the game before its first await). */
async function availabilityDuring(command: PeerCommand & { game: string }): Promise<string[]> {
  const before = await availability(command.game);
  const running = peer.execute(command);
  const during = await availability(command.game);
  await running;
  return [before ?? 'no row', during ?? 'no row'];
}

test('an uninstall in progress reads Uninstalling', async () => {
  assert.deepEqual(await availabilityDuring({ cmd: 'uninstall', game: 'bfbc2' }), [
    'Ready',
    'Uninstalling',
  ]);
  assert.equal(await availability('bfbc2'), 'Ready');
});

test('a removal of the files in progress reads Removing', async () => {
  assert.deepEqual(await availabilityDuring({ cmd: 'remove-files', game: 'cnc4' }), [
    'Ready',
    'Removing',
  ]);
  assert.equal(await availability('cnc4'), undefined);
});
