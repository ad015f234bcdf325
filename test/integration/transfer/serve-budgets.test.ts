import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { GameId, GameVersion, PeerId } from '../../../src/ids.js';
import { silentLogger } from '../../../src/logger.js';
import type { Connection, Transport } from '../../../src/net/index.js';
import type { WireMessage } from '../../../src/protocol/index.js';
import { DEFAULT_SERVE_LIMITS, HashCache, type ServeLimits } from '../../../src/transfer/index.js';
import {
  freshIdentity,
  startServing,
  type ServingTransport,
} from '../../support/serving-transport.js';

const GAME = 'alienswarm' as GameId;
const VERSION = '20250101' as GameVersion;
const FILE_BYTES = 64 * 1024 * 1024;

let dir: string;
let root: string;
let hashCache: HashCache;
const transports: Transport[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lanspread-serve-budgets-'));
  root = join(dir, 'games', GAME);
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'version.ini'), VERSION);
  // Sparse: the bytes cost no disk, and a receiver that reads nothing never gets near the end.
  await writeFile(join(root, 'big.bin'), '');
  await truncate(join(root, 'big.bin'), FILE_BYTES);
  hashCache = await HashCache.open(join(dir, 'state'), silentLogger);
});

after(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await rm(dir, { recursive: true, force: true });
});

async function startServer(limits: ServeLimits): Promise<ServingTransport> {
  const served = { dir, root, game: GAME, version: VERSION, size: FILE_BYTES, hashCache };
  const server = await startServing(served, limits);
  transports.push(server.transport);
  return server;
}

async function client(): Promise<{ transport: Transport; peerId: PeerId }> {
  const fresh = await freshIdentity(dir);
  transports.push(fresh.transport);
  return fresh;
}

interface Asked {
  conn: Connection;
  /** The first answer; the connection stops reading right after it, unless `read` was asked. */
  answer: Promise<WireMessage>;
  closed: Promise<void>;
  dataBytes: () => number;
}

/** Opens a transfer connection and asks for the whole file; a non-reader stops reading after the first answer. */
async function ask(
  from: Transport,
  addr: { host: string; port: number },
  opts: { read?: boolean; send?: boolean } = {},
): Promise<Asked> {
  const conn = await from.dial(addr.host, addr.port, { role: 'transfer' });
  let bytes = 0;
  const answer = new Promise<WireMessage>((resolve) => {
    const off = conn.onMessage((msg) => {
      off();
      if (opts.read !== true) conn.pause();
      resolve(msg);
    });
  });
  conn.onData((payload) => {
    bytes += payload.length;
  });
  const closed = new Promise<void>((resolve) =>
    conn.onClose(() => {
      resolve();
    }),
  );
  if (opts.send !== false) {
    conn.send({
      t: 'get-chunk',
      game: GAME,
      version: VERSION,
      path: 'big.bin',
      offset: 0,
      length: FILE_BYTES,
    });
  }
  return { conn, answer, closed, dataBytes: () => bytes };
}

const refusalCode = (msg: WireMessage): string => (msg.t === 'refused' ? msg.code : msg.t);

async function until(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((resolve) => setTimeout(resolve, 20));
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => {
      clearTimeout(timer);
    }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`${what} within ${ms} ms`));
      }, ms);
    }),
  ]);
}

test('a receiver that reads nothing is cut after the send stall timeout, and its slot freed', async () => {
  const { addr, budget } = await startServer({ ...DEFAULT_SERVE_LIMITS, sendStallMs: 300 });
  const { transport } = await client();
  const hog = await ask(transport, addr);
  assert.equal((await hog.answer).t, 'chunk');
  const started = Date.now();
  // The hog reads nothing, so not even the close: the server's budget shows the cut.
  await within(
    until(() => budget.held('connection') === 0),
    15_000,
    'the stalled receiver was not cut',
  );
  assert.ok(Date.now() - started >= 300, 'cut no sooner than the stall timeout');
  assert.equal(budget.held('request'), 0);
  assert.ok(hog.dataBytes() < FILE_BYTES, 'the hog never had the whole chunk');
  hog.conn.destroy();
});

test('a receiver that reads is not cut by the same short stall timeout', async () => {
  const { addr } = await startServer({ ...DEFAULT_SERVE_LIMITS, sendStallMs: 300 });
  const { transport } = await client();
  const reader = await ask(transport, addr, { read: true });
  assert.equal((await reader.answer).t, 'chunk');
  await until(() => {
    assert.equal(reader.conn.closed, false, 'the reading receiver was cut');
    return reader.dataBytes() >= FILE_BYTES;
  });
  reader.conn.close();
});

test('a stranger gets one request and two connections; the rest are answered serve-over-budget', async () => {
  const { addr, budget, sessions } = await startServer(DEFAULT_SERVE_LIMITS);
  const { transport, peerId } = await client();
  const first = await ask(transport, addr);
  assert.equal((await first.answer).t, 'chunk');
  const second = await ask(transport, addr);
  assert.equal(refusalCode(await second.answer), 'serve-over-budget', 'a second request at once');
  assert.equal(second.conn.closed, false, 'a refused request leaves its connection usable');
  const third = await ask(transport, addr, { send: false, read: true });
  assert.equal(refusalCode(await third.answer), 'serve-over-budget', 'a third connection');
  await within(third.closed, 10_000, 'the refused connection was not closed');
  assert.equal(budget.held('connection'), 2);
  // The same identity with a control session is a peer: a larger share.
  sessions.add(peerId);
  const fourth = await ask(transport, addr);
  assert.equal((await fourth.answer).t, 'chunk');
  assert.equal(budget.held('request'), 2);
  first.conn.destroy();
  second.conn.destroy();
  fourth.conn.destroy();
});

test('a peer with a session over the total waits for a free slot instead of being refused', async () => {
  const limits: ServeLimits = {
    ...DEFAULT_SERVE_LIMITS,
    spends: {
      ...DEFAULT_SERVE_LIMITS.spends,
      request: { total: 1, perPeer: 8, strangers: 1, perStranger: 1 },
    },
  };
  const { addr, sessions } = await startServer(limits);
  const { transport, peerId } = await client();
  sessions.add(peerId);
  const holder = await ask(transport, addr);
  assert.equal((await holder.answer).t, 'chunk');
  const waiter = await ask(transport, addr);
  const early = await Promise.race([
    waiter.answer,
    new Promise<null>((resolve) =>
      setTimeout(() => {
        resolve(null);
      }, 300),
    ),
  ]);
  assert.equal(early, null, 'no answer while the only slot is held');
  holder.conn.destroy();
  assert.equal((await within(waiter.answer, 10_000, 'the waiter got no answer')).t, 'chunk');
  waiter.conn.destroy();
});

test('a peer with a session over its own share waits in line, and past queueWaitMs hears serve-over-budget', async () => {
  const limits: ServeLimits = {
    ...DEFAULT_SERVE_LIMITS,
    spends: {
      ...DEFAULT_SERVE_LIMITS.spends,
      request: { total: 8, perPeer: 1, strangers: 1, perStranger: 1 },
    },
    queueWaitMs: 1_000,
  };
  const { addr, budget, sessions } = await startServer(limits);
  const { transport, peerId } = await client();
  sessions.add(peerId);
  const holder = await ask(transport, addr);
  assert.equal((await holder.answer).t, 'chunk');
  const waiter = await ask(transport, addr);
  const started = Date.now();
  await until(() => budget.waiting('request') === 1);
  const answer = await within(waiter.answer, 10_000, 'the waiter got no answer');
  assert.equal(refusalCode(answer), 'serve-over-budget');
  assert.ok(Date.now() - started >= 900, 'it waited in line first');
  assert.equal(budget.waiting('request'), 0);
  assert.equal(waiter.conn.closed, false, 'the refused request leaves its connection usable');
  holder.conn.destroy();
  waiter.conn.destroy();
});

test('a request sent before the one before has wound up is answered after it; a third at once closes the connection', async () => {
  const { addr, sessions } = await startServer(DEFAULT_SERVE_LIMITS);
  const { transport, peerId } = await client();
  sessions.add(peerId);
  const conn = await transport.dial(addr.host, addr.port, { role: 'transfer' });
  const answers: WireMessage[] = [];
  let bytes = 0;
  conn.onMessage((msg) => answers.push(msg));
  conn.onData((payload) => {
    bytes += payload.length;
  });
  const chunk = (offset: number): WireMessage => ({
    t: 'get-chunk',
    game: GAME,
    version: VERSION,
    path: 'big.bin',
    offset,
    length: 1024 * 1024,
  });
  // A receiver asks again the moment the last byte arrives; the source may not have closed
  // the file yet. Both at once is the sharpest form of that.
  conn.send(chunk(0));
  conn.send(chunk(1024 * 1024));
  await within(
    until(() => bytes === 2 * 1024 * 1024 || conn.closed),
    10_000,
    'both answers did not arrive',
  );
  assert.equal(conn.closed, false, 'the second request closed the connection');
  assert.deepEqual(
    answers.map((m) => (m.t === 'chunk' ? m.offset : m.t)),
    [0, 1024 * 1024],
  );
  assert.equal(conn.closed, false);
  conn.send(chunk(0));
  conn.send(chunk(0));
  conn.send(chunk(0));
  await within(
    new Promise<void>((resolve) =>
      conn.onClose(() => {
        resolve();
      }),
    ),
    10_000,
    'a third request at once did not close the connection',
  );
});
