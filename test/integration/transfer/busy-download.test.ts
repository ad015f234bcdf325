/**
 * A download from a source that answers `serve-over-budget`, on the real transport: the source
 * is kept, asked again at a bounded rate, progress goes on, a cancel ends it, and once the
 * source has room the download completes.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LanspreadError } from '../../../src/errors.js';
import type { GameId, GameVersion, PeerId } from '../../../src/ids.js';
import { loadOrCreateIdentity } from '../../../src/identity/index.js';
import { silentLogger } from '../../../src/logger.js';
import { Transport, type Connection } from '../../../src/net/index.js';
import { DATA_FRAME_BYTES, type WireMessage } from '../../../src/protocol/index.js';
import {
  downloadGame,
  TransferClient,
  type DownloadEvent,
  type DownloadSource,
} from '../../../src/transfer/index.js';
import { recordingLogger } from '../../support/recording-logger.js';

const GAME = 'cnc4' as GameId;
const VERSION = '20250101' as GameVersion;
const CHUNK = 1024 * 1024;
const FILES: Record<string, Buffer> = {
  'version.ini': Buffer.from(`${VERSION}\n`),
  'data.bin': randomBytes(3 * CHUNK + 1000),
};

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lanspread-busy-download-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function transport(): Promise<{ t: Transport; peerId: PeerId }> {
  const identity = await loadOrCreateIdentity(await tempDir(), silentLogger);
  const t = new Transport({ identity, log: silentLogger });
  cleanups.push(() => t.close());
  return { t, peerId: identity.peerId };
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

function manifest(): WireMessage {
  return {
    t: 'manifest',
    game: GAME,
    version: VERSION,
    chunk_size: CHUNK,
    files: Object.entries(FILES).map(([path, bytes]) => ({
      path,
      size: bytes.length,
      chunks: Array.from({ length: Math.ceil(bytes.length / CHUNK) }, (_, i) =>
        sha256(bytes.subarray(i * CHUNK, (i + 1) * CHUNK)),
      ),
    })),
  };
}

function refuseBusy(conn: Connection): void {
  conn.send({ t: 'refused', code: 'serve-over-budget', message: 'too many requests; try again' });
}

/**
 * A source double: busy (every `get-chunk` refused `serve-over-budget`) while `busy()` says so;
 * with `refuseEarly` its first `get-manifest` and its second connection too.
 */
async function busySource(
  busy: () => boolean,
  refuseEarly: boolean,
): Promise<{
  source: DownloadSource;
  chunkAsks: () => number;
}> {
  const { t: server, peerId } = await transport();
  let connections = 0;
  let manifests = 0;
  let chunkAsks = 0;
  server.onConnection((conn) => {
    connections++;
    if (refuseEarly && connections === 2) {
      // Over the connection share: refused as soon as it is open, before any request.
      refuseBusy(conn);
      conn.close(1_000);
      return;
    }
    conn.onMessage((msg) => {
      if (msg.t === 'get-manifest') {
        if (refuseEarly && ++manifests === 1) refuseBusy(conn);
        else conn.send(manifest());
        return;
      }
      if (msg.t !== 'get-chunk') return;
      chunkAsks++;
      if (busy()) {
        refuseBusy(conn);
        return;
      }
      const { game, path, offset, length } = msg;
      conn.send({ t: 'chunk', game, path, offset, length });
      const bytes = FILES[path]!.subarray(offset, offset + length);
      for (let at = 0; at < bytes.length; at += DATA_FRAME_BYTES)
        conn.sendData(Buffer.from(bytes.subarray(at, at + DATA_FRAME_BYTES)));
    });
  });
  const { port } = await server.listen('127.0.0.1', 0);
  return {
    source: { peerId, addr: `127.0.0.1:${port}` },
    chunkAsks: () => chunkAsks,
  };
}

async function startDownload(source: DownloadSource, signal: AbortSignal) {
  const { t: receiver } = await transport();
  const root = join(await tempDir(), GAME);
  const events: DownloadEvent[] = [];
  const log = recordingLogger();
  const result = downloadGame({
    game: {
      id: GAME,
      name: GAME,
      description: null,
      size: null,
      version: VERSION,
      manifestDigest: null,
      genre: null,
      maxPlayers: null,
      releaseYear: null,
      cover: null,
    },
    root,
    sources: [source],
    chunkSize: CHUNK,
    connect: async (s, sig) => {
      const [host, port] = s.addr.split(':');
      return new TransferClient(
        await receiver.dial(host!, Number(port), { role: 'transfer', signal: sig }),
      );
    },
    emit: (event) => events.push(event),
    log,
    signal,
  });
  return { result, root, events, log };
}

const BUSY_MS = 3_000;

test('a source busy for a while is kept and asked again at a bounded rate; then the download completes', async () => {
  let busyUntil = Infinity;
  const { source, chunkAsks } = await busySource(() => {
    if (busyUntil === Infinity) busyUntil = Date.now() + BUSY_MS;
    return Date.now() < busyUntil;
  }, true);
  const { result, root, events, log } = await startDownload(source, new AbortController().signal);
  const outcome = await result;
  assert.equal(outcome.bytes, FILES['data.bin']!.length + FILES['version.ini']!.length);
  for (const [path, bytes] of Object.entries(FILES))
    assert.deepEqual(await readFile(join(root, path)), bytes, path);
  assert.deepEqual(
    events.filter((e) => e.event === 'download-peer-dropped'),
    [],
    'a busy source is not dropped',
  );
  const whileBusy = events.filter((e) => e.event === 'download-progress').length;
  assert.ok(whileBusy >= 4, `progress went on while the source was busy (${whileBusy} events)`);
  const waits = log.lines.filter((l) => l.msg.startsWith('source is busy'));
  assert.ok(
    waits.some((l) => l.msg.includes('the manifest')),
    'the manifest was asked again',
  );
  // Two workers, each waiting at least 0.5 s, then 1 s, then 2 s: at most 4 asks each in 3 s.
  // Four chunks and the connection refused on opening come on top. A spinner asks thousands.
  assert.ok(chunkAsks() <= 8 + 4 + 1, `${chunkAsks()} asks for chunks`);
  assert.ok(waits.length >= 4, `it kept asking while the source was busy (${waits.length} waits)`);
});

test('a source that stays busy: the download waits without spinning, and a cancel ends it at once', async () => {
  const { source, chunkAsks } = await busySource(() => true, false);
  const stop = new AbortController();
  const { result, events } = await startDownload(source, stop.signal);
  const settled = result.then(
    () => 'finished',
    (err: unknown) => err,
  );
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const progress = events.filter((e) => e.event === 'download-progress');
  assert.ok(progress.length >= 2, `progress events go on (${progress.length})`);
  // Its one source sits out its refusals: the progress says so, for a display to explain the stall.
  assert.ok(
    progress.some((e) => e.busy_peers === 1 && e.active_peers === 1),
    `the progress counts the busy source: ${JSON.stringify(progress)}`,
  );
  const asked = chunkAsks();
  assert.ok(asked >= 2 && asked <= 8, `${asked} asks for chunks in 2 s`);
  const cancelled = Date.now();
  stop.abort(new LanspreadError('cancelled', 'cancelled by the user'));
  const outcome = await settled;
  assert.ok(outcome instanceof LanspreadError && outcome.code === 'cancelled', String(outcome));
  assert.ok(Date.now() - cancelled < 1_000, 'the cancel did not wait for a backoff to end');
});

test('a connection refused on opening fails its first request with the refusal, not after the stall timeout', async () => {
  const { t: server, peerId } = await transport();
  server.onConnection((conn) => {
    refuseBusy(conn);
    conn.close(1_000);
  });
  const { port } = await server.listen('127.0.0.1', 0);
  const { t: receiver } = await transport();
  const conn = await receiver.dial('127.0.0.1', port, { role: 'transfer' });
  assert.equal(conn.remotePeerId, peerId);
  const client = new TransferClient(conn);
  // The refusal arrives, and the connection closes, before anything is asked.
  await new Promise<void>((resolve) => {
    conn.onClose(() => {
      resolve();
    });
  });
  const asked = Date.now();
  await assert.rejects(
    client.getManifest(GAME, VERSION, CHUNK, new AbortController().signal),
    (err: unknown) => err instanceof LanspreadError && err.code === 'serve-over-budget',
  );
  assert.ok(Date.now() - asked < 1_000);
});
