import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../../src/logger.js';
import { Peer } from '../../../src/peer/index.js';

test('a peer starting removes the temp files a crash left in its state folder, not a young one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lanspread-state-sweep-'));
  const state = join(dir, 'state');
  await mkdir(state, { recursive: true });
  await mkdir(join(dir, 'games'));
  const settings = `${JSON.stringify({ username: 'Gordon' })}\n`;
  await writeFile(join(state, 'settings.json'), settings);
  // A crash between the temp file's write and its rename: the old settings stand.
  const crashed = 'settings.json.0123456789ab.tmp';
  await writeFile(join(state, crashed), '{"player_na');
  const longAgo = new Date(Date.now() - 3_600_000);
  await utimes(join(state, crashed), longAgo, longAgo);
  // Another process's write under way (a CLI verb): left alone.
  const underWay = 'download-queue.json.ba9876543210.tmp';
  await writeFile(join(state, underWay), '{"entries":[');
  const peer = await Peer.start({
    gamesDir: join(dir, 'games'),
    stateDir: state,
    name: 'solo',
    listenHost: '127.0.0.1',
    listenPort: 0,
    log: silentLogger,
  });
  try {
    const names = await readdir(state);
    assert.ok(!names.includes(crashed), `${crashed} is left: ${names.join(', ')}`);
    assert.ok(names.includes(underWay), `${underWay} was removed`);
    assert.equal(await readFile(join(state, 'settings.json'), 'utf8'), settings);
  } finally {
    await peer.shutdown();
    await rm(dir, { recursive: true, force: true });
  }
});
