import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { ReadFeed } from '../../../src/net/connection.js';

const MIB = 1024 * 1024;

test("a read before the lander has a place is short, so the chunk's bytes after the header land", async () => {
  // A source that has queued a chunk's header and 3 MiB of its bytes before the receiver reads.
  const header = Buffer.alloc(100, 0x68);
  const body = randomBytes(3 * MIB);
  const server = net.createServer((socket) => {
    socket.end(Buffer.concat([header, body]));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;

  const feed = new ReadFeed(4 * MIB);
  const landing = Buffer.alloc(4 * MIB);
  let landed = 0;
  let headerRead = false;
  const reads: { n: number; landed: boolean }[] = [];
  // As the transfer client's lander: no place until the header is read, then the writer's block.
  feed.lander = () => (headerRead ? landing.subarray(landed) : undefined);
  feed.attach((bytes) => {
    const inPlace = bytes.buffer === landing.buffer;
    reads.push({ n: bytes.length, landed: inPlace });
    if (inPlace) landed += bytes.length;
    else {
      // The header, and whatever came with it, copied to the block as a writer would.
      landed += bytes.subarray(header.length).copy(landing, landed);
      headerRead = true;
    }
    return true;
  });
  const socket = net.connect({
    host: '127.0.0.1',
    port,
    onread: { buffer: feed.nextBuffer, callback: feed.callback },
  });
  socket.pause();
  await once(socket, 'connect');
  // Let every byte reach our socket's buffer before the first read.
  await new Promise((resolve) => setTimeout(resolve, 100));
  socket.resume();
  await once(socket, 'end');
  socket.destroy();
  server.close();

  assert.ok(reads[0] !== undefined && !reads[0].landed);
  assert.ok(reads[0].n <= 64 * 1024, `the first read took ${reads[0].n} bytes`);
  assert.ok(
    reads.slice(1).every((r) => r.landed),
    'every later read landed in place',
  );
  assert.ok(landing.subarray(0, landed).equals(body), 'the block holds the chunk, in order');
});

test('without a lander a read fills the whole buffer, as a cached writer reads', () => {
  const feed = new ReadFeed(4 * MIB);
  assert.equal(feed.nextBuffer(), feed.buffer);
  feed.lander = () => undefined;
  assert.equal(feed.nextBuffer().length, 64 * 1024);
});
