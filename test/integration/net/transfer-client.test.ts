/**
 * The receiving side of a transfer connection against a source double on the real transport:
 * its stall timeout blames a source that stops sending, never one that waits for our disk.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LanspreadError } from '../../../src/errors.js';
import { loadOrCreateIdentity } from '../../../src/identity/index.js';
import type { GameId, GameVersion } from '../../../src/ids.js';
import { Transport, type Connection } from '../../../src/net/index.js';
import { DATA_FRAME_BYTES } from '../../../src/protocol/index.js';
import { TransferClient } from '../../../src/transfer/index.js';
import { recordingLogger } from '../../support/recording-logger.js';

const HOST = '127.0.0.1';
const GAME = 'cnc4' as GameId;
const VERSION = '20250101' as GameVersion;
// Long enough for the first frame to arrive on a loaded machine (300 ms raced the source's TLS).
const STALL_MS = 1000;

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function transport(): Promise<Transport> {
  const dir = await mkdtemp(join(tmpdir(), 'lanspread-transfer-client-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const log = recordingLogger();
  const t = new Transport({ identity: await loadOrCreateIdentity(dir, log), log });
  cleanups.push(() => t.close());
  return t;
}

/**
 * A source that answers one get-chunk with its header and `frames` data frames of 1 MiB, then
 * sends nothing more (it never closes: a stalled peer, not a gone one).
 */
async function sourceSending(frames: number): Promise<{ client: TransferClient }> {
  const source = await transport();
  source.onConnection((conn: Connection) => {
    conn.onMessage((msg) => {
      if (msg.t !== 'get-chunk') return;
      conn.send({
        t: 'chunk',
        game: msg.game,
        path: msg.path,
        offset: msg.offset,
        length: msg.length,
      });
      for (let i = 0; i < frames; i++) conn.sendData(Buffer.alloc(DATA_FRAME_BYTES, i));
    });
  });
  const { port } = await source.listen(HOST, 0);
  const receiver = await transport();
  const conn = await receiver.dial(HOST, port, { role: 'transfer' });
  return { client: new TransferClient(conn, { stallTimeoutMs: STALL_MS }) };
}

const chunk = (length: number) => ({
  game: GAME,
  version: VERSION,
  path: 'cnc4.eti',
  offset: 0,
  length,
});

test('a disk slower than the stall timeout does not fail the chunk: the source waits for us', async () => {
  const frames = 12; // past the 8 MiB queue, so the socket pauses while our disk is stuck
  const { client } = await sourceSending(frames);
  let written = 0;
  await client.fetchChunk(
    chunk(frames * DATA_FRAME_BYTES),
    async (bytes) => {
      // The first write takes four stall timeouts; the source has sent everything meanwhile.
      if (written === 0) await sleep(STALL_MS * 4);
      written += bytes.length;
    },
    new AbortController().signal,
  );
  assert.equal(written, frames * DATA_FRAME_BYTES);
});

test('a source that stops sending midway fails the chunk with timeout', async () => {
  const { client } = await sourceSending(2);
  const started = Date.now();
  await assert.rejects(
    client.fetchChunk(
      chunk(4 * DATA_FRAME_BYTES),
      async () => undefined,
      new AbortController().signal,
    ),
    (err: unknown) => err instanceof LanspreadError && err.code === 'timeout',
  );
  assert.ok(Date.now() - started >= STALL_MS);
});

test('after a slow write the source still gets a whole stall timeout, and no more', async () => {
  const { client } = await sourceSending(2);
  const started = Date.now();
  let first = true;
  await assert.rejects(
    client.fetchChunk(
      chunk(4 * DATA_FRAME_BYTES),
      async () => {
        if (first) await sleep(STALL_MS * 3);
        first = false;
      },
      new AbortController().signal,
    ),
    (err: unknown) => err instanceof LanspreadError && err.code === 'timeout',
  );
  // The write ends at 3 timeouts; the clock starts over then.
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= STALL_MS * 4 - 50, `failed after ${elapsed} ms`);
  assert.ok(elapsed < STALL_MS * 8, `failed after ${elapsed} ms`);
});
