import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../../src/logger.js';
import type { LocalGameRow, PeerEvent, PeerEventListener } from '../../../src/peer/index.js';
import { EventStream, MAX_BUFFERED_BYTES } from '../../../src/web/event-stream.js';
import { openEvents } from './web-client.js';

const listeners = new Set<PeerEventListener>();
const source = {
  onEvent(listener: PeerEventListener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
const emit = (event: PeerEvent): void => {
  for (const listener of listeners) listener(event);
};

let server: Server;
let stream: EventStream;
let port: number;

before(async () => {
  stream = new EventStream(source, silentLogger);
  server = createServer((_req, res) => res.end());
  server.on('upgrade', (req, socket, head) => {
    stream.accept(req, socket, head);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  stream.close();
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});

/** A WebSocket handshake by hand, after which the client never reads again. */
async function stalledClient(to = port): Promise<Socket> {
  const socket = connect(to, '127.0.0.1');
  await new Promise((done) => socket.once('connect', done));
  socket.write(
    'GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const head = await new Promise<string>((done) => {
    socket.once('data', (chunk: Buffer) => {
      done(chunk.toString('latin1'));
    });
  });
  assert.match(head, /^HTTP\/1\.1 101 /);
  socket.pause();
  return socket;
}

function bigEvent(): PeerEvent {
  const row: LocalGameRow = {
    id: 'x'.repeat(100),
    name: 'y'.repeat(100),
    eti_game_version: '20250101',
    downloaded: true,
    installed: false,
    availability: 'Ready',
    size: 1,
    running: false,
    server_running: false,
  };
  return { event: 'local-library-changed', games: Array.from({ length: 1000 }, () => row) };
}

test('events reach a reading client as one JSON text message each', async () => {
  const { ws, events } = await openEvents(port);
  try {
    emit({ event: 'install-begin', game: 'cnc4' });
    emit({ event: 'install-finished', game: 'cnc4' });
    while (events.length < 2) await new Promise((done) => setTimeout(done, 5));
    assert.deepEqual(events, [
      { event: 'install-begin', game: 'cnc4' },
      { event: 'install-finished', game: 'cnc4' },
    ]);
  } finally {
    ws.close();
  }
});

test('a client that does not read is closed once it is a few MiB behind, memory bounded', async () => {
  const socket = await stalledClient();
  try {
    while (stream.clientCount === 0) await new Promise((done) => setImmediate(done));
    const size = JSON.stringify(bigEvent()).length;
    let sent = 0;
    // The kernel's socket buffers take some MiB first; then our buffer grows to the limit.
    while (stream.clientCount > 0 && sent < 256 * 1024 * 1024) {
      emit(bigEvent());
      sent += size;
      await new Promise((done) => setImmediate(done));
    }
    assert.equal(stream.clientCount, 0, `still connected after ${sent} bytes`);
    assert.ok(sent > MAX_BUFFERED_BYTES, `closed after only ${sent} bytes`);
    assert.ok(sent < 64 * 1024 * 1024, `closed only after ${sent} bytes`);
  } finally {
    socket.destroy();
  }
});

test('a client that answers no ping is dropped; one that does stays', async () => {
  const beating = new EventStream(source, silentLogger, { heartbeatMs: 50 });
  const second = createServer();
  second.on('upgrade', (req, socket, head) => {
    beating.accept(req, socket, head);
  });
  await new Promise<void>((done) => second.listen(0, '127.0.0.1', done));
  const secondPort = (second.address() as AddressInfo).port;
  const { ws } = await openEvents(secondPort);
  const socket = await stalledClient(secondPort);
  try {
    while (beating.clientCount < 2) await new Promise((done) => setTimeout(done, 5));
    const deadline = Date.now() + 5000;
    while (beating.clientCount > 1 && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 20));
    }
    assert.equal(beating.clientCount, 1);
    assert.equal(ws.readyState, ws.OPEN);
  } finally {
    socket.destroy();
    ws.close();
    beating.close();
    second.closeAllConnections();
    await new Promise((done) => second.close(done));
  }
});

test('closing the stream says goodbye (1001) to its clients', async () => {
  const other = new EventStream(source, silentLogger);
  const second = createServer();
  second.on('upgrade', (req, socket, head) => {
    other.accept(req, socket, head);
  });
  await new Promise<void>((done) => second.listen(0, '127.0.0.1', done));
  const { ws } = await openEvents((second.address() as AddressInfo).port);
  const code = new Promise<number>((done) =>
    ws.once('close', (c: number) => {
      done(c);
    }),
  );
  other.close();
  assert.equal(await code, 1001);
  second.closeAllConnections();
  await new Promise((done) => second.close(done));
});
