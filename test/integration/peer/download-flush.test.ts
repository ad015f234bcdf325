import assert from 'node:assert/strict';
import { existsSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Peer, PeerEvent } from '../../../src/peer/index.js';
import { writeFixtureGame, type FixtureGameSpec } from '../../support/fixture-games.js';
import { startLoopbackPeer } from '../../support/loopback-peer.js';

// A download is Ready before its files are all on the disk: the flush that follows is covered
// by a flush record, which goes once the flush ended (with the resume journal), and the
// shutdown waits for it.
const CHUNK = 1024 * 1024;
const game = (id: string): FixtureGameSpec => ({
  id,
  version: '20250101',
  archives: [{ name: `${id}.eti`, entries: [{ path: 'data/part0.bin', size: 24 * CHUNK }] }],
  files: [{ path: 'notes.txt', size: 300 }],
});

const dir = await mkdtemp(join(tmpdir(), 'lanspread-flush-'));
const peers: Peer[] = [];
after(async () => {
  await Promise.all(peers.map((p) => p.shutdown()));
  await rm(dir, { recursive: true, force: true });
});

async function startPeer(name: string): Promise<Peer> {
  const peer = await startLoopbackPeer(dir, name, { chunkSize: CHUNK });
  peers.push(peer);
  return peer;
}

const record = (peer: string, id: string): string =>
  join(dir, peer, 'state', 'flushes', `${id}.json`);

test('a finished download is Ready at once; its flush record goes before its next operation and at shutdown', async () => {
  await mkdir(join(dir, 'source', 'games'), { recursive: true });
  for (const id of ['cnc4', 'bfbc2'])
    await writeFixtureGame(join(dir, 'source', 'games'), game(id));
  const source = await startPeer('source');
  const client = await startPeer('client');
  const recordAtFinish: boolean[] = [];
  client.onEvent((event: PeerEvent) => {
    if (event.event === 'download-finished')
      recordAtFinish.push(existsSync(record('client', event.game)));
  });
  await client.execute({ cmd: 'connect', addr: source.addr });

  await client.execute({ cmd: 'download', game: 'cnc4', install: false });
  assert.deepEqual(recordAtFinish, [true], 'the record covers the flush that follows the outcome');
  const rows = (await client.execute({ cmd: 'list-games' })) as {
    local: { id: string; availability: string }[];
  };
  assert.equal(rows.local.find((g) => g.id === 'cnc4')?.availability, 'Ready');
  await client.execute({ cmd: 'install', game: 'cnc4' });
  assert.equal(
    existsSync(record('client', 'cnc4')),
    false,
    'no flush record is left once the next operation ran',
  );
  assert.equal(
    existsSync(join(dir, 'client', 'games', 'cnc4', '.lanspread', 'download.json')),
    false,
    'the journal goes with the flush',
  );

  await client.execute({ cmd: 'download', game: 'bfbc2', install: false });
  await client.shutdown();
  assert.equal(existsSync(record('client', 'bfbc2')), false, 'the shutdown waited for the flush');
});

test(
  "the game's next operation waits for its flush: an install starts only once the flush ended",
  {
    // The held flush is told apart by its file's path, which Linux gives under /proc/self/fd.
    skip: process.platform !== 'linux' && 'needs /proc/self/fd',
  },
  async () => {
    await mkdir(join(dir, 'source2', 'games'), { recursive: true });
    await writeFixtureGame(join(dir, 'source2', 'games'), game('ggoo'));
    const source = await startPeer('source2');
    const client = await startPeer('client2');
    await client.execute({ cmd: 'connect', addr: source.addr });
    const root = join(dir, 'client2', 'games', 'ggoo');
    const events: string[] = [];
    client.onEvent((event: PeerEvent) => {
      if ('game' in event && event.game === 'ggoo') events.push(event.event);
    });

    // Every datasync of the game's downloaded files waits for `release`; the install's own (in
    // .local.installing/ and local/) do not, so only the flush is held.
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    const datasync = proto.datasync;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held = 0;
    proto.datasync = async function (this: { fd: number }) {
      const path = readlinkSync(`/proc/self/fd/${this.fd}`);
      if (
        path.startsWith(root + '/') &&
        !/\/(local|\.local\.installing)\//.test(path.slice(root.length))
      ) {
        held++;
        await released;
      }
      return datasync.call(this);
    };
    try {
      await client.execute({ cmd: 'download', game: 'ggoo', install: false });
      const install = client.execute({ cmd: 'install', game: 'ggoo' });
      // Long enough for an install of 24 MiB to begin, had it not waited.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.ok(held > 0, 'the flush reached its datasyncs');
      assert.equal(existsSync(record('client2', 'ggoo')), true, 'the flush is still under way');
      assert.equal(events.includes('install-begin'), false, 'the install has not begun');
      assert.equal(existsSync(join(root, 'local')), false);
      release();
      await install;
      assert.ok(events.indexOf('install-finished') > events.indexOf('install-begin'));
      assert.equal(existsSync(record('client2', 'ggoo')), false, 'the flush ended first');
      assert.equal(existsSync(join(root, 'local', 'data', 'part0.bin')), true);
    } finally {
      release();
      proto.datasync = datasync;
    }
  },
);
