import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LanspreadError } from '../../../src/errors.js';
import { loadOrCreateIdentity, type Identity } from '../../../src/identity/index.js';
import type { LogFields, Logger } from '../../../src/logger.js';
import {
  Transport,
  type CloseInfo,
  type Connection,
  type ConnectionRole,
  type InboundData,
} from '../../../src/net/index.js';
import type { GameId, SoftwareVersion } from '../../../src/ids.js';
import {
  FRAME_HEADER_BYTES,
  FrameDecoder,
  MAX_HELLO_PAYLOAD,
  MAX_REQUEST_PAYLOAD,
  PROTOCOL_VERSION,
  type WireMessage,
} from '../../../src/protocol/index.js';

const HOST = '127.0.0.1';

interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: LogFields;
  msg: string;
}

/** A logger that keeps its entries and lets a test await one. */
class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];
  readonly #waiters = new Set<{
    match: (e: LogEntry) => boolean;
    resolve: (e: LogEntry) => void;
  }>();

  debug(fields: LogFields, msg: string): void {
    this.#add({ level: 'debug', fields, msg });
  }
  info(fields: LogFields, msg: string): void {
    this.#add({ level: 'info', fields, msg });
  }
  warn(fields: LogFields, msg: string): void {
    this.#add({ level: 'warn', fields, msg });
  }
  error(fields: LogFields, msg: string): void {
    this.#add({ level: 'error', fields, msg });
  }
  child(): Logger {
    return this;
  }

  waitFor(match: (e: LogEntry) => boolean): Promise<LogEntry> {
    const found = this.entries.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.#waiters.add({ match, resolve }));
  }

  #add(entry: LogEntry): void {
    this.entries.push(entry);
    for (const waiter of this.#waiters) {
      if (waiter.match(entry)) {
        this.#waiters.delete(waiter);
        waiter.resolve(entry);
      }
    }
  }
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function identity(): Promise<Identity> {
  const dir = await mkdtemp(join(tmpdir(), 'lanspread-net-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return loadOrCreateIdentity(dir, new RecordingLogger());
}

interface Node {
  id: Identity;
  log: RecordingLogger;
  transport: Transport;
  port: number;
  /** Inbound connections, in order of arrival. */
  inbound: Connection[];
  nextInbound(): Promise<Connection>;
}

async function node(
  opts: { handshakeTimeoutMs?: number; id?: Identity; frameBudgetBytes?: number } = {},
): Promise<Node> {
  const id = opts.id ?? (await identity());
  const log = new RecordingLogger();
  const transport = new Transport({
    identity: id,
    log,
    handshakeTimeoutMs: opts.handshakeTimeoutMs,
    frameBudgetBytes: opts.frameBudgetBytes,
  });
  cleanups.push(() => transport.close());
  const inbound: Connection[] = [];
  let waiting: ((conn: Connection) => void) | undefined;
  transport.onConnection((conn) => {
    // Read at once, as the runtime does, so that malformed input is seen.
    conn.onMessage(() => undefined);
    inbound.push(conn);
    waiting?.(conn);
    waiting = undefined;
  });
  const bound = await transport.listen(HOST, 0);
  assert.equal(bound.host, HOST);
  return {
    id,
    log,
    transport,
    port: bound.port,
    inbound,
    nextInbound: () =>
      new Promise((resolve) => {
        waiting = resolve;
      }),
  };
}

function nextMessage(conn: Connection): Promise<WireMessage> {
  return new Promise((resolve) => {
    const off = conn.onMessage((msg) => {
      off();
      resolve(msg);
    });
  });
}

function closed(conn: Connection): Promise<CloseInfo> {
  return new Promise((resolve) => conn.onClose(resolve));
}

function socketClosed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    socket.on('error', () => undefined); // a reset is one way of being dropped
    socket.once('close', () => {
      resolve();
    });
  });
}

/** Deterministic bytes from a seed (xorshift32), never starting like a TLS record. */
function noise(seed: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  bytes[0] = 0x47;
  return bytes;
}

async function connectPair(
  role: ConnectionRole = 'control',
): Promise<{ a: Node; b: Node; ab: Connection; ba: Connection }> {
  const a = await node();
  const b = await node();
  const inboundAtB = b.nextInbound();
  const ab = await a.transport.dial(HOST, b.port, { role });
  const ba = await inboundAtB;
  return { a, b, ab, ba };
}

test('two transports connect and each side proves the other id', async () => {
  const { a, b, ab, ba } = await connectPair();
  assert.equal(ab.remotePeerId, b.id.peerId);
  assert.equal(ba.remotePeerId, a.id.peerId);
  assert.equal(ab.inbound, false);
  assert.equal(ba.inbound, true);
  assert.equal(ab.remoteAddress, HOST);
  assert.equal(ab.remotePort, b.port);
  assert.equal(ba.remoteAddress, HOST);
  assert.ok(ba.remotePort > 0);
});

test('messages round-trip both ways, in order', async () => {
  const { a, ab, ba } = await connectPair();
  const hello: WireMessage = {
    t: 'hello',
    protocol: PROTOCOL_VERSION,
    software: '0.1.0' as SoftwareVersion,
    peer_id: a.id.peerId,
    name: 'alice',
    listen_port: a.port,
    library: [],
  };
  const received: WireMessage[] = [];
  const three = new Promise<void>((resolve) => {
    ba.onMessage((msg) => {
      received.push(msg);
      if (received.length === 3) resolve();
    });
  });
  ab.send(hello);
  ab.send({ t: 'ping', seq: 1 });
  ab.send({ t: 'ping', seq: 2 });
  await three;
  assert.deepEqual(received, [hello, { t: 'ping', seq: 1 }, { t: 'ping', seq: 2 }]);

  const reply = nextMessage(ab);
  ba.send({ t: 'pong', seq: 2 });
  assert.deepEqual(await reply, { t: 'pong', seq: 2 });
});

test('data frames round-trip', async () => {
  // Data goes one way only: from the peer that serves to the one that dialled for it.
  const { ab, ba } = await connectPair('transfer');
  const payload = noise(7, 3 * 1024 * 1024);
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve) => {
    ab.onData((chunk) => {
      chunks.push(chunk);
      if (chunks.length === 2) resolve();
    });
  });
  ba.sendData(payload);
  ba.sendData(Buffer.from('tail'));
  await done;
  assert.ok(chunks[0]!.equals(payload));
  assert.equal(chunks[1]!.toString(), 'tail');
});

test('what the acceptor sends before the dialler listens arrives whole, after and beyond its early limit', async () => {
  const { ab, ba } = await connectPair('transfer');
  // Dialled sockets read into one reused buffer: early bytes must be copied, and 3 MiB is past
  // the 1 MiB the dialler keeps before it pauses the socket.
  const frames = [noise(11, 3 * 1024 * 1024), noise(12, 100_000)];
  for (const payload of frames) ba.sendData(payload);
  ba.send({ t: 'ping', seq: 9 });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const ping = nextMessage(ab);
  const chunks: Buffer[] = [];
  ab.onData((chunk) => chunks.push(chunk));
  assert.deepEqual(await ping, { t: 'ping', seq: 9 });
  assert.equal(chunks.length, 2);
  assert.ok(chunks[0]!.equals(frames[0]!) && chunks[1]!.equals(frames[1]!));
});

test('frames built in place round-trip and their buffers come back for reuse once written', async () => {
  const { ab, ba } = await connectPair('transfer');
  const payload = noise(21, 1024 * 1024);
  const frame = Buffer.alloc(FRAME_HEADER_BYTES + payload.length);
  const received: Buffer[] = [];
  const two = new Promise<void>((resolve) => {
    ab.onData((chunk) => {
      received.push(chunk);
      if (received.length === 2) resolve();
    });
  });
  for (let i = 0; i < 2; i++) {
    payload.copy(frame, FRAME_HEADER_BYTES);
    frame[FRAME_HEADER_BYTES] = i;
    // The buffer is refilled only after the connection says it is done with it.
    await new Promise<void>((resolve) => {
      ba.sendDataFrame(frame, resolve);
    });
  }
  await two;
  for (const [i, chunk] of received.entries()) {
    assert.equal(chunk[0], i);
    assert.ok(chunk.subarray(1).equals(payload.subarray(1)));
  }
});

test('a graceful close reaches both sides once, as closed', async () => {
  const { ab, ba } = await connectPair();
  const calls: CloseInfo[] = [];
  ab.onClose((info) => calls.push(info));
  const atB = closed(ba);
  const atA = closed(ab);
  ab.send({ t: 'goodbye' });
  const bye = nextMessage(ba);
  ab.close();
  ab.close();
  assert.deepEqual(await bye, { t: 'goodbye' });
  assert.deepEqual(await atB, { reason: 'closed' });
  assert.deepEqual(await atA, { reason: 'closed' });
  ab.destroy();
  ab.send({ t: 'ping', seq: 1 }); // a no-op after close
  assert.equal(calls.length, 1);
  // A late subscriber still hears about the close, once.
  assert.deepEqual(await closed(ab), { reason: 'closed' });
});

test('destroy with an error reports the error on that side', async () => {
  const { ab, ba } = await connectPair();
  const atB = closed(ba);
  const atA = closed(ab);
  const error = new Error('gave up');
  ab.destroy(error);
  assert.deepEqual(await atA, { reason: 'error', error });
  // The remote only sees the socket go away: an orderly end or a reset, depending on timing.
  assert.ok(['closed', 'error'].includes((await atB).reason));
});

test('a raw client sending random bytes is dropped; an honest connection stays usable', async () => {
  const { a, b, ab, ba } = await connectPair();
  const raw = net.connect(b.port, HOST);
  const dropped = socketClosed(raw);
  raw.on('connect', () => raw.write(noise(42, 4096)));
  await dropped;
  // Its first byte is neither a TLS record's (0x16) nor a data connection's magic.
  const warning = await b.log.waitFor(
    (e) => e.level === 'warn' && /neither TLS nor a data connection/.test(String(e.fields.reason)),
  );
  assert.equal(warning.msg, 'dropped an inbound connection');
  assert.equal(warning.fields.remote_address, HOST);

  const reply = nextMessage(ba);
  ab.send({ t: 'ping', seq: 9 });
  assert.deepEqual(await reply, { t: 'ping', seq: 9 });
  assert.equal(b.inbound.length, 1);
  assert.equal(a.inbound.length, 0);
});

test('a data connection shares the TLS port: its token reaches the listener; accepted, a chunk answer arrives as raw bytes', async () => {
  const { a, b, ab, ba } = await connectPair();
  const offered: InboundData[] = [];
  b.transport.onDataConnection((data) => offered.push(data));
  const token = Buffer.alloc(32, 7);
  const rejected = await a.transport.dialData(HOST, b.port, b.id.peerId, Buffer.alloc(32, 1));
  const rejectedClose = closed(rejected);
  rejected.onMessage(() => assert.fail('a rejected data connection gets nothing'));
  while (offered.length < 1) await sleep(5);
  offered[0]?.reject();
  assert.equal((await rejectedClose).reason, 'closed');

  const dialled = await a.transport.dialData(HOST, b.port, b.id.peerId, token);
  while (offered.length < 2) await sleep(5);
  const data = offered[1];
  assert.ok(data !== undefined);
  assert.deepEqual(data.token, token);
  assert.equal(data.remoteAddress, HOST);
  const served = data.accept(a.id.peerId);
  assert.ok(served !== undefined);
  assert.equal(served.role, 'data');
  assert.equal(served.remotePeerId, a.id.peerId);
  const asked = nextMessage(served);
  dialled.send({ t: 'ping', seq: 1 });
  assert.deepEqual(await asked, { t: 'ping', seq: 1 });
  // A chunk's bytes follow its message unframed, in any number of reads, as views to recycle.
  const payload = Buffer.from('0123456789abcdef'.repeat(4096));
  const received: Buffer[] = [];
  const header = nextMessage(dialled);
  dialled.onData((bytes) => {
    received.push(Buffer.from(bytes));
    dialled.recycle(bytes);
  });
  served.send({ t: 'chunk', game: 'g' as GameId, path: 'f', offset: 0, length: payload.length });
  const frame = Buffer.alloc(FRAME_HEADER_BYTES + payload.length);
  payload.copy(frame, FRAME_HEADER_BYTES);
  served.sendDataFrame(frame, () => undefined);
  assert.equal((await header).t, 'chunk');
  while (Buffer.concat(received).length < payload.length) await sleep(5);
  assert.deepEqual(Buffer.concat(received), payload);
  // The TLS connection beside it is untouched.
  const reply = nextMessage(ba);
  ab.send({ t: 'ping', seq: 2 });
  assert.deepEqual(await reply, { t: 'ping', seq: 2 });
});

test('a TLS client that sends an oversized frame header is dropped', async () => {
  const b = await node();
  const intruder = await identity();
  const inbound = b.nextInbound();
  const socket = tls.connect({
    host: HOST,
    port: b.port,
    key: intruder.keyPem,
    cert: intruder.certPem,
    minVersion: 'TLSv1.3',
    rejectUnauthorized: false,
    ALPNProtocols: ['lanspread-control/1'],
  });
  const dropped = socketClosed(socket);
  await new Promise<void>((resolve) => socket.once('secureConnect', resolve));
  const conn = await inbound;
  assert.equal(conn.remotePeerId, intruder.peerId);
  assert.equal(conn.role, 'control');
  const closeInfo = closed(conn);
  socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x01]));
  await dropped;
  const info = await closeInfo;
  assert.equal(info.reason, 'error');
  assert.ok(info.error instanceof LanspreadError && info.error.code === 'protocol-error');
  const warning = await b.log.waitFor((e) => e.level === 'warn' && /malformed frame/.test(e.msg));
  assert.equal(warning.fields.remote_address, HOST);
  assert.match(String(warning.fields.reason), /over the limit/);
});

/** A raw TLS client of a fresh identity: frames it writes reach `b` unchecked. */
async function rawClient(
  b: Node,
  alpn: string,
): Promise<{ socket: tls.TLSSocket; conn: Connection; errors: string[]; gone: Promise<void> }> {
  const intruder = await identity();
  const inbound = b.nextInbound();
  const socket = tls.connect({
    host: HOST,
    port: b.port,
    key: intruder.keyPem,
    cert: intruder.certPem,
    rejectUnauthorized: false,
    ALPNProtocols: [alpn],
  });
  const gone = socketClosed(socket);
  const errors: string[] = [];
  const decoder = new FrameDecoder();
  socket.on('data', (bytes: Buffer) => {
    for (const frame of decoder.push(bytes))
      if (frame.kind === 'control' && frame.message.t === 'error') errors.push(frame.message.code);
  });
  await new Promise<void>((resolve) => socket.once('secureConnect', resolve));
  return { socket, conn: await inbound, errors, gone };
}

function frameHeader(type: number, payloadBytes: number): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.writeUInt32BE(payloadBytes + 1, 0);
  header.writeUInt8(type, 4);
  return header;
}

test('each role takes only the frames it needs: no data on a control connection nor from a dialler, small requests, a hello-sized first frame', async () => {
  const b = await node();
  const cases: [string, Buffer, RegExp][] = [
    [
      'lanspread-control/1',
      frameHeader(0x02, 1),
      /data frame declares 1 payload bytes, over the limit of 0/,
    ],
    ['lanspread-transfer/1', frameHeader(0x02, 1), /over the limit of 0/],
    ['lanspread-transfer/1', frameHeader(0x01, MAX_REQUEST_PAYLOAD + 1), /over the limit of 65536/],
    ['lanspread-control/1', frameHeader(0x01, MAX_HELLO_PAYLOAD + 1), /over the limit of 3145728/],
  ];
  for (const [alpn, header, reason] of cases) {
    const { socket, conn, gone } = await rawClient(b, alpn);
    const info = closed(conn);
    socket.write(header);
    await gone;
    assert.match((await info).error?.message ?? '', reason, alpn);
  }
});

test('past the frame budget the oldest of the largest half-received frames is dropped, told peer-over-budget', async () => {
  const b = await node({ frameBudgetBytes: 3 * 1024 * 1024 });
  const first = await rawClient(b, 'lanspread-control/1');
  const second = await rawClient(b, 'lanspread-control/1');
  const small = await rawClient(b, 'lanspread-control/1');
  // 2 MiB held, then 1 MiB: the budget is full. Bytes are sent, never the whole frame.
  first.socket.write(Buffer.concat([frameHeader(0x01, 2 * 1024 * 1024), Buffer.alloc(1000)]));
  small.socket.write(Buffer.concat([frameHeader(0x01, 1024 * 1024), Buffer.alloc(1000)]));
  // Time for those headers to be read: the frame that arrived first is the older one.
  await new Promise((resolve) => setTimeout(resolve, 500));
  // A second 2 MiB frame evicts the first, not the smaller one.
  second.socket.write(Buffer.concat([frameHeader(0x01, 2 * 1024 * 1024), Buffer.alloc(1000)]));
  await first.gone;
  assert.deepEqual(first.errors, ['peer-over-budget']);
  const info = await closed(first.conn);
  assert.ok(info.error instanceof LanspreadError && info.error.code === 'peer-over-budget');
  // A newcomer larger than anything it could evict is the one refused.
  const third = await rawClient(b, 'lanspread-control/1');
  third.socket.write(frameHeader(0x01, 2 * 1024 * 1024 + 1));
  await third.gone;
  assert.deepEqual(third.errors, ['peer-over-budget']);
  assert.equal(second.conn.closed, false);
  assert.equal(small.conn.closed, false);
  second.socket.destroy();
  small.socket.destroy();
});

test('a TLS client that names no lanspread protocol (ALPN) is dropped', async () => {
  const b = await node();
  const intruder = await identity();
  const socket = tls.connect({
    host: HOST,
    port: b.port,
    key: intruder.keyPem,
    cert: intruder.certPem,
    minVersion: 'TLSv1.3',
    rejectUnauthorized: false,
  });
  socket.on('error', () => undefined);
  await socketClosed(socket);
  const warning = await b.log.waitFor(
    (e) => e.level === 'warn' && /dropped an inbound/.test(e.msg),
  );
  assert.match(String(warning.fields.reason), /ALPN/);
});

test('the dialler chooses the role of a connection', async () => {
  const a = await node();
  const b = await node();
  const inbound = b.nextInbound();
  const conn = await a.transport.dial(HOST, b.port, { role: 'transfer' });
  assert.equal(conn.role, 'transfer');
  assert.equal((await inbound).role, 'transfer');
});

test('dialing our own listener rejects with self-connect and delivers nothing', async () => {
  const a = await node();
  await assert.rejects(a.transport.dial(HOST, a.port), (err: unknown) => {
    assert.ok(err instanceof LanspreadError);
    assert.equal(err.code, 'self-connect');
    return true;
  });
  await a.log.waitFor((e) => /self-connect/.test(e.msg));
  assert.equal(a.inbound.length, 0);
});

test('a second transport with the same identity is refused as self-connect', async () => {
  const a = await node();
  const twin = await node({ id: a.id });
  await assert.rejects(twin.transport.dial(HOST, a.port), { code: 'self-connect' });
});

test('dialing a closed port rejects with connect-failed, saying refused', async () => {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, HOST, resolve));
  const address = probe.address();
  assert.ok(address !== null && typeof address === 'object');
  await new Promise<void>((resolve) => {
    probe.close(() => {
      resolve();
    });
  });
  const a = await node();
  await assert.rejects(a.transport.dial(HOST, address.port), (err: unknown) => {
    assert.ok(err instanceof LanspreadError);
    assert.equal(err.code, 'connect-failed');
    assert.match(err.message, /refused/);
    return true;
  });
});

test('dialing a listener that never answers TLS times out with connect-failed', async () => {
  // Reads (so that it sees the dialer hang up) but never answers.
  const silent = net.createServer((socket) => socket.on('error', () => undefined).resume());
  await new Promise<void>((resolve) => silent.listen(0, HOST, resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        silent.close(() => {
          resolve();
        });
      }),
  );
  const address = silent.address();
  assert.ok(address !== null && typeof address === 'object');
  const a = await node();
  await assert.rejects(a.transport.dial(HOST, address.port, { timeoutMs: 200 }), (err: unknown) => {
    assert.ok(err instanceof LanspreadError);
    assert.equal(err.code, 'connect-failed');
    assert.match(err.message, /TLS handshake did not finish within 200 ms/);
    return true;
  });
});

test('an aborted dial rejects with connect-failed', async () => {
  const b = await node();
  const a = await node();
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(a.transport.dial(HOST, b.port, { signal: controller.signal }), {
    code: 'connect-failed',
  });
});

test('a TCP client that sends nothing is dropped after the handshake timeout', async () => {
  const b = await node({ handshakeTimeoutMs: 200 });
  const started = Date.now();
  const raw = net.connect(b.port, HOST);
  await socketClosed(raw);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 150, `dropped after ${elapsed} ms`);
  await b.log.waitFor((e) => e.level === 'warn' && e.fields.remote_address === HOST);
});

test('close stops listening and destroys every connection', async () => {
  const { a, b, ab, ba } = await connectPair();
  const idle = net.connect(b.port, HOST);
  const idleDropped = socketClosed(idle);
  await new Promise<void>((resolve) => idle.once('connect', resolve));
  const atA = closed(ab);
  const atB = closed(ba);
  await b.transport.close();
  await Promise.all([atA, atB, idleDropped]);
  await assert.rejects(a.transport.dial(HOST, b.port), { code: 'connect-failed' });
  await assert.rejects(b.transport.dial(HOST, a.port), { code: 'shutting-down' });
});

test('listening on a port in use fails with listen-failed', async () => {
  const a = await node();
  const other = new Transport({ identity: a.id, log: new RecordingLogger() });
  cleanups.push(() => other.close());
  await assert.rejects(other.listen(HOST, a.port), { code: 'listen-failed' });
});

test('bad ports are refused with the transport codes, not a raw RangeError', async () => {
  const a = await node();
  await assert.rejects(a.transport.dial(HOST, 70_000), { code: 'connect-failed' });
  const other = new Transport({ identity: a.id, log: new RecordingLogger() });
  cleanups.push(() => other.close());
  await assert.rejects(other.listen(HOST, 70_000), { code: 'listen-failed' });
});
