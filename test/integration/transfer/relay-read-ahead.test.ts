import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import type { GameId, GameVersion } from '../../../src/ids.js';
import { silentLogger } from '../../../src/logger.js';
import type { Transport } from '../../../src/net/index.js';
import type { Manifest, WireMessage } from '../../../src/protocol/index.js';
import { chunkKey } from '../../../src/transfer/chunk-planner.js';
import {
  BandwidthCap,
  DEFAULT_SERVE_LIMITS,
  HashCache,
  LocalPartials,
} from '../../../src/transfer/index.js';
import { freshIdentity, startServing } from '../../support/serving-transport.js';

const GAME = 'alienswarm' as GameId;
const VERSION = '20250101' as GameVersion;
const MIB = 1024 * 1024;
const CHUNK = 32 * MIB;
/** 20 frames of 50 ms a second under the cap: 64 KiB each. */
const FRAME = 64 * 1024;
const CAP = 20 * FRAME;

const transports: Transport[] = [];
let dir: string | undefined;

after(async () => {
  await Promise.all(transports.map((t) => t.close()));
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

test('a relay whose chunk fails while its next frame is read ahead ends that relay, and the peer lives on', async () => {
  dir = await mkdtemp(join(tmpdir(), 'lanspread-relay-read-ahead-'));
  const root = join(dir, 'games', GAME);
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'big.bin'), '');
  await truncate(join(root, 'big.bin'), CHUNK);
  // A game downloading here: not in the catalog's servable set, but held as a partial.
  const manifest: Manifest = {
    t: 'manifest',
    game: GAME,
    version: VERSION,
    chunk_size: CHUNK,
    files: [{ path: 'big.bin', size: CHUNK, chunks: ['0'.repeat(64)] }],
  };
  const partials = new LocalPartials(() => undefined);
  const handle = partials.hold(GAME, VERSION, root, manifest, []);
  assert.ok(handle);
  const flight = handle.fetch(chunkKey('big.bin', 0), CHUNK, { peer: 'a-seeder', relayed: false });
  flight.written(MIB);
  const uploadCap = new BandwidthCap();
  uploadCap.setRate(CAP);
  const hashCache = await HashCache.open(join(dir, 'state'), silentLogger);
  const served = { dir, root, game: GAME, version: VERSION, size: CHUNK, hashCache };
  const server = await startServing(served, DEFAULT_SERVE_LIMITS, silentLogger, {
    lookup: () => ({ entry: undefined, game: undefined, busy: null, root }),
    partials,
    uploadCap,
  });
  transports.push(server.transport);
  const client = await freshIdentity(dir);
  transports.push(client.transport);

  const conn = await client.transport.dial(server.addr.host, server.addr.port, {
    role: 'transfer',
  });
  const messages: WireMessage[] = [];
  let received = 0;
  conn.onMessage((msg) => messages.push(msg));
  conn.onData((payload) => {
    received += payload.length;
    conn.recycle(payload);
  });
  conn.send({
    t: 'get-chunk',
    game: GAME,
    version: VERSION,
    path: 'big.bin',
    offset: 0,
    length: CHUNK,
  });
  // All but the frame at the frontier: the relay has read that one and now reads the next one
  // ahead, which waits for bytes that will not come, while it waits on the cap to send it.
  const until = Date.now() + 10_000;
  while (received < MIB - FRAME && Date.now() < until) await sleep(2);
  uploadCap.setRate(1);
  await sleep(100);
  flight.fail();
  // The failed read ahead settles while nobody awaits it; the process must not end for it.
  await sleep(200);
  uploadCap.setRate(null);
  const ended = Date.now() + 10_000;
  while (!messages.some((m) => m.t === 'refused') && Date.now() < ended) await sleep(10);
  const refused = messages.find((m) => m.t === 'refused');
  assert.equal(refused?.t === 'refused' ? refused.code : undefined, 'chunk-not-here');
  assert.equal(received, MIB, 'the relay sent what its frontier allowed, and no more');
  conn.close();
});
