import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LanspreadError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/logger.js';
import { Peer } from '../../../src/peer/index.js';

// Issue 16: the games folder a peer starts with is checked as set-game-dir checks it.
const dir = await mkdtemp(join(tmpdir(), 'lanspread-games-check-'));

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function start(gamesDir: string): Promise<Peer> {
  return Peer.start({
    gamesDir,
    stateDir: join(dir, 'state'),
    name: 'solo',
    listenHost: '127.0.0.1',
    listenPort: 0,
    log: silentLogger,
  });
}

test('a peer does not start on a games folder set-game-dir would refuse', async () => {
  const file = join(dir, 'a-file');
  await writeFile(file, 'x');
  for (const [games, reason] of [
    ['relative-games', /not an absolute path/],
    [file, /a file is in the way/],
    [join(dir, 'state', 'games'), /state folder/],
  ] as const) {
    await assert.rejects(start(games), (err: unknown) => {
      assert.ok(err instanceof LanspreadError, String(err));
      assert.equal(err.code, 'bad-game-dir', games);
      assert.match(err.message, reason, games);
      return true;
    });
  }
  assert.equal(existsSync('relative-games'), false, 'nothing made in the working folder');
  const peer = await start(join(dir, 'new', 'games'));
  try {
    assert.equal(peer.gamesDir, join(dir, 'new', 'games'));
  } finally {
    await peer.shutdown();
  }
});
