import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import type { GameId, GameVersion, PeerId } from '../../../src/ids.js';
import { silentLogger } from '../../../src/logger.js';
import type { Connection, Transport } from '../../../src/net/index.js';
import type { Manifest, WireMessage } from '../../../src/protocol/index.js';
import { chunkKey } from '../../../src/transfer/chunk-planner.js';
import type { ChunkFlight } from '../../../src/transfer/chunk-flight.js';
import {
  BandwidthCap,
  CHUNK_FAN_OUT,
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
const dirs: string[] = [];

after(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lanspread-relay-serving-'));
  dirs.push(dir);
  return dir;
}

/**
 * A peer downloading a one-chunk game whose chunk is in flight here from `upstream` (a relay of
 * it, unless said), 1 MiB of it on disk; `dial` opens a transfer connection to it, from `client`
 * or a fresh identity.
 */
async function relayingPeer(
  upstream: PeerId,
  opts: { relayed?: boolean; uploadCap?: BandwidthCap } = {},
): Promise<{
  flight: ChunkFlight;
  dial: (client?: { transport: Transport }) => Promise<Connection>;
}> {
  const dir = await tempDir();
  const root = join(dir, 'games', GAME);
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'big.bin'), '');
  await truncate(join(root, 'big.bin'), CHUNK);
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
  const flight = handle.fetch(chunkKey('big.bin', 0), CHUNK, {
    peer: upstream,
    relayed: opts.relayed ?? true,
  });
  flight.written(MIB);
  const hashCache = await HashCache.open(join(dir, 'state'), silentLogger);
  const served = { dir, root, game: GAME, version: VERSION, size: CHUNK, hashCache };
  const server = await startServing(served, DEFAULT_SERVE_LIMITS, silentLogger, {
    lookup: () => ({ entry: undefined, game: undefined, busy: null, root }),
    partials,
    ...(opts.uploadCap === undefined ? {} : { uploadCap: opts.uploadCap }),
  });
  transports.push(server.transport);
  const dial = async (client?: { transport: Transport }): Promise<Connection> => {
    const from = client ?? (await freshIdentity(dir));
    transports.push(from.transport);
    return from.transport.dial(server.addr.host, server.addr.port, { role: 'transfer' });
  };
  return { flight, dial };
}

/** Asks `conn` for the whole chunk; what arrives is counted in the returned object. */
function request(conn: Connection): { messages: WireMessage[]; received: number } {
  const seen = { messages: [] as WireMessage[], received: 0 };
  conn.onMessage((msg) => seen.messages.push(msg));
  conn.onData((payload) => {
    seen.received += payload.length;
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
  return seen;
}

/** The code of the first `refused` in `messages`, if any. */
function refusal(messages: WireMessage[]): string | undefined {
  const refused = messages.find((m) => m.t === 'refused');
  return refused?.t === 'refused' ? refused.code : undefined;
}

/** Asks for the whole chunk on `conn`; resolves with the refusal's code or the bytes that came. */
async function ask(conn: Connection, want: number): Promise<string | number> {
  const seen = request(conn);
  const until = Date.now() + 10_000;
  while (seen.received < want && Date.now() < until) {
    const code = refusal(seen.messages);
    if (code !== undefined) return code;
    await sleep(5);
  }
  return seen.received;
}

test('a chunk in flight from a peer is relayed to others, never back to that peer', async () => {
  const upstream = await freshIdentity(await tempDir());
  const peer = await relayingPeer(upstream.peerId);
  const back = await peer.dial(upstream);
  assert.equal(await ask(back, MIB), 'chunk-not-here', 'its own bytes are not sent back to it');
  back.close();
  const onward = await peer.dial();
  assert.equal(await ask(onward, MIB), MIB, 'another peer gets them as they arrive');
  onward.close();
  peer.flight.fail();
});

test(`a downloading peer sends a chunk to ${CHUNK_FAN_OUT} peers at once; the next hears chunk-busy until one is done`, async () => {
  const peer = await relayingPeer('a-seeder' as PeerId);
  const served: Connection[] = [];
  for (let i = 0; i < CHUNK_FAN_OUT; i++) {
    const conn = await peer.dial();
    assert.equal(await ask(conn, MIB), MIB, `peer ${i + 1} is sent the chunk as it arrives`);
    served.push(conn);
  }
  const next = await peer.dial();
  assert.equal(await ask(next, MIB), 'chunk-busy', 'it is sent to enough peers already');
  served.shift()?.close();
  // A fresh connection each time: `ask` listens on the one it is given.
  let answer: string | number = 'chunk-busy';
  for (let i = 0; i < 100 && answer === 'chunk-busy'; i++) {
    await sleep(20);
    answer = await ask(await peer.dial(), MIB);
  }
  assert.equal(answer, MIB, 'once a peer is done with it, the next is sent it');
  for (const conn of [...served, next]) conn.close();
  peer.flight.fail();
});

test('a relay whose chunk fails while its next frame is read ahead ends that relay, and the peer lives on', async () => {
  const uploadCap = new BandwidthCap();
  uploadCap.setRate(CAP);
  const peer = await relayingPeer('a-seeder' as PeerId, { relayed: false, uploadCap });
  const conn = await peer.dial();
  const seen = request(conn);
  // All but the frame at the frontier: the relay has read that one and now reads the next one
  // ahead, which waits for bytes that will not come, while it waits on the cap to send it.
  const until = Date.now() + 10_000;
  while (seen.received < MIB - FRAME && Date.now() < until) await sleep(2);
  uploadCap.setRate(1);
  await sleep(100);
  peer.flight.fail();
  // The failed read ahead settles while nobody awaits it; the process must not end for it.
  await sleep(200);
  uploadCap.setRate(null);
  const ended = Date.now() + 10_000;
  while (refusal(seen.messages) === undefined && Date.now() < ended) await sleep(10);
  assert.equal(refusal(seen.messages), 'chunk-not-here');
  assert.equal(seen.received, MIB, 'the relay sent what its frontier allowed, and no more');
  conn.close();
});
