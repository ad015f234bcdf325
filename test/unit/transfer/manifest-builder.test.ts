import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  stat,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LanspreadError, type ErrorCode } from '../../../src/errors.js';
import type { GameId, GameVersion } from '../../../src/ids.js';
import { recordingLogger, type LogLine } from '../../support/recording-logger.js';
import {
  CHUNK_SIZES,
  MAX_MANIFEST_FILES,
  MAX_PATH_LENGTH,
  manifestSchema,
} from '../../../src/protocol/messages.js';
import { closeHasherPool, hashFileChunks } from '../../../src/transfer/chunk-hasher.js';
import { HashCache } from '../../../src/transfer/hash-cache.js';
import { buildManifest } from '../../../src/transfer/manifest-builder.js';

const MIB = 1024 * 1024;
/** The two chunk sizes peers serve. */
const CHUNK = MIB;
const LARGE_CHUNK = 32 * MIB;
const ID = 'cnctw' as GameId;
const V = '20250101' as GameVersion;

/** Deterministic bytes: a counter hashed, so no two chunks are alike. */
function bytes(n: number, seed: string): Buffer {
  const out = Buffer.alloc(n);
  let at = 0;
  for (let i = 0; at < n; i++) {
    at += createHash('sha256').update(`${seed}:${i}`).digest().copy(out, at);
  }
  return out;
}

function sliceHashes(data: Buffer, chunkSize: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < data.length; at += chunkSize) {
    out.push(
      createHash('sha256')
        .update(data.subarray(at, at + chunkSize))
        .digest('hex'),
    );
  }
  return out;
}

async function put(path: string, content: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

function isCode(code: ErrorCode): (err: unknown) => boolean {
  return (err: unknown) => err instanceof LanspreadError && err.code === code;
}

let base: string;
let counter = 0;

async function freshDir(name: string): Promise<string> {
  const dir = join(base, `${name}-${counter++}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Every cache a test opened: their saves, due soon after a change, end before the folder goes. */
const caches: HashCache[] = [];

async function openCache(...args: Parameters<typeof HashCache.open>): Promise<HashCache> {
  const cache = await HashCache.open(...args);
  caches.push(cache);
  return cache;
}

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'lanspread-manifest-'));
});

after(async () => {
  await closeHasherPool();
  await Promise.all(caches.map((cache) => cache.flush()));
  await rm(base, { recursive: true, force: true });
});

describe('buildManifest', () => {
  const big = bytes(2 * CHUNK + 12_345, 'big');
  const exact = bytes(2 * CHUNK, 'exact');
  const small = bytes(1000, 'small');
  let root: string;
  let stateDir: string;

  before(async () => {
    root = await freshDir('root');
    stateDir = await freshDir('state');
    await put(join(root, 'version.ini'), '20250101\n');
    await put(join(root, 'game.eti'), big);
    await put(join(root, 'exact.bin'), exact);
    await put(join(root, 'docs', 'deep', 'readme.txt'), small);
    await put(join(root, 'empty.txt'), '');
    await put(join(root, 'local', 'game.exe'), 'installed');
    await put(join(root, '.local.installing', 'x'), 'staging');
    await put(join(root, '.local.backup', 'x'), 'backup');
    await put(join(root, '.lanspread', 'journal.json'), '{}');
    await put(join(root, 'launch_settings_applied'), '');
  });

  test('lists nested files, an empty file and multi-chunk files with per-slice SHA-256', async () => {
    const cache = await openCache(stateDir, recordingLogger());
    const m = await buildManifest(root, ID, V, CHUNK, cache, recordingLogger());
    assert.deepEqual(manifestSchema.parse(m), m);
    assert.equal(m.t, 'manifest');
    assert.equal(m.game, ID);
    assert.equal(m.version, V);
    assert.equal(m.chunk_size, CHUNK);
    assert.deepEqual(m.files, [
      { path: 'docs/deep/readme.txt', size: 1000, chunks: sliceHashes(small, CHUNK) },
      { path: 'empty.txt', size: 0, chunks: [] },
      { path: 'exact.bin', size: exact.length, chunks: sliceHashes(exact, CHUNK) },
      { path: 'game.eti', size: big.length, chunks: sliceHashes(big, CHUNK) },
      {
        path: 'version.ini',
        size: 9,
        chunks: [createHash('sha256').update('20250101\n').digest('hex')],
      },
    ]);
    assert.equal(m.files[3]?.chunks.length, 3);
    assert.equal(m.files[2]?.chunks.length, 2);
  });

  test('excludes local/, staging, backup, .lanspread/ and the launch-settings marker', async () => {
    const cache = await openCache(stateDir, recordingLogger());
    const m = await buildManifest(root, ID, V, CHUNK, cache, recordingLogger());
    for (const f of m.files) {
      assert.doesNotMatch(
        f.path,
        /^(local|\.local\.installing|\.local\.backup|\.lanspread)\/|^launch_settings_applied$/,
      );
    }
  });

  test('answers from the persisted cache without re-hashing an unchanged file', async () => {
    const dir = await freshDir('cached');
    const state = await freshDir('cached-state');
    const original = bytes(3 * CHUNK, 'original');
    const file = join(dir, 'game.eti');
    await put(join(dir, 'version.ini'), '20250101\n');
    await put(file, original);
    // Whole seconds survive utimes exactly, so the rewrite below can restore the very same mtime.
    await utimes(file, 1_700_000_000, 1_700_000_000);
    const cache = await openCache(state, recordingLogger());
    const first = await buildManifest(dir, ID, V, CHUNK, cache, recordingLogger());
    await cache.flush();
    // Reopen the cache from disk, as a restarted peer would.
    const reopened = await openCache(state, recordingLogger());

    // New content, same size, same mtime: only a cache hit can still report the old hashes.
    const st = await stat(file);
    const replaced = bytes(original.length, 'replaced');
    await writeFile(file, replaced);
    await utimes(file, 1_700_000_000, 1_700_000_000);
    assert.equal((await stat(file)).mtimeMs, st.mtimeMs);

    const second = await buildManifest(dir, ID, V, CHUNK, reopened, recordingLogger());
    assert.deepEqual(second, first);
    assert.deepEqual(
      second.files.find((f) => f.path === 'game.eti')?.chunks,
      sliceHashes(original, CHUNK),
    );

    // A cache that does not know the file hashes the bytes really there.
    const fresh = await buildManifest(
      dir,
      ID,
      V,
      CHUNK,
      await openCache(await freshDir('empty-state'), recordingLogger()),
      recordingLogger(),
    );
    assert.deepEqual(
      fresh.files.find((f) => f.path === 'game.eti')?.chunks,
      sliceHashes(replaced, CHUNK),
    );

    // A new mtime invalidates the entry.
    await utimes(file, 1_700_000_005, 1_700_000_005);
    const third = await buildManifest(dir, ID, V, CHUNK, reopened, recordingLogger());
    assert.deepEqual(
      third.files.find((f) => f.path === 'game.eti')?.chunks,
      sliceHashes(replaced, CHUNK),
    );
  });

  test('concurrent requests for the same root and chunk size share one build', async () => {
    const cache = await openCache(await freshDir('sf-state'), recordingLogger());
    const [a, b] = await Promise.all([
      buildManifest(root, ID, V, CHUNK, cache, recordingLogger()),
      buildManifest(root, ID, V, CHUNK, cache, recordingLogger()),
    ]);
    assert.equal(a, b);
    const c = await buildManifest(root, ID, V, LARGE_CHUNK, cache, recordingLogger());
    assert.notEqual(c, a);
    assert.equal(c.chunk_size, LARGE_CHUNK);
    assert.deepEqual(
      c.files.find((f) => f.path === 'game.eti')?.chunks,
      sliceHashes(big, LARGE_CHUNK),
    );
  });

  test('refuses a chunk size it does not serve, before looking at the root', async () => {
    const cache = await openCache(await freshDir('size-state'), recordingLogger());
    const missing = join(base, 'no-such-root');
    for (const size of [64 * 1024, 2 * CHUNK, 4 * CHUNK, LARGE_CHUNK - 1, 2 * LARGE_CHUNK]) {
      await assert.rejects(
        buildManifest(missing, ID, V, size, cache, recordingLogger()),
        (err: unknown) =>
          isCode('serve-chunk-size')(err) &&
          (err as Error).message.includes(CHUNK_SIZES.join(' or ')),
        String(size),
      );
    }
  });

  test('rotating chunk sizes never re-hashes: each served size is hashed once per file', async () => {
    const dir = await freshDir('rotate');
    const state = await freshDir('rotate-state');
    const file = join(dir, 'game.eti');
    const original = bytes(3 * CHUNK + 5, 'rotate');
    await put(join(dir, 'version.ini'), '20250101\n');
    await put(file, original);
    await utimes(file, 1_700_000_000, 1_700_000_000);
    const lines: LogLine[] = [];
    const log = recordingLogger(lines);
    const cache = await openCache(state, log);
    const first = new Map<number, unknown>();
    for (const size of CHUNK_SIZES)
      first.set(size, await buildManifest(dir, ID, V, size, cache, log));

    // Same size and mtime, new bytes: a manifest that still shows the old hashes was not re-hashed.
    await writeFile(file, bytes(original.length, 'swapped'));
    await utimes(file, 1_700_000_000, 1_700_000_000);
    const rotation = [CHUNK, 2 * CHUNK, LARGE_CHUNK, 3 * CHUNK, 4 * CHUNK, 5 * CHUNK, 64 * 1024];
    for (let round = 0; round < 3; round++) {
      for (const size of rotation) {
        const built = buildManifest(dir, ID, V, size, cache, log);
        if (first.has(size)) assert.deepEqual(await built, first.get(size), String(size));
        else await assert.rejects(built, isCode('serve-chunk-size'), String(size));
      }
    }
    const hashed = lines.filter((l) => l.msg === 'hashing files for a manifest');
    assert.equal(hashed.length, CHUNK_SIZES.length);
  });

  test('a caller that aborts is released; the others still get the manifest', async () => {
    const cache = await openCache(await freshDir('abort-state'), recordingLogger());
    const controller = new AbortController();
    const leaving = buildManifest(root, ID, V, CHUNK, cache, recordingLogger(), controller.signal);
    const staying = buildManifest(root, ID, V, CHUNK, cache, recordingLogger());
    controller.abort(new LanspreadError('cancelled', 'gone'));
    await assert.rejects(leaving, isCode('cancelled'));
    assert.equal((await staying).files.length, 5);

    const already = new AbortController();
    already.abort(new LanspreadError('cancelled', 'before'));
    await assert.rejects(
      buildManifest(root, ID, V, CHUNK, cache, recordingLogger(), already.signal),
      isCode('cancelled'),
    );
  });

  test('refuses a root with more files than a manifest may list', async () => {
    const dir = await freshDir('many');
    const names = Array.from({ length: MAX_MANIFEST_FILES + 1 }, (_, i) => `f${i}`);
    for (let i = 0; i < names.length; i += 500) {
      await Promise.all(names.slice(i, i + 500).map((n) => writeFile(join(dir, n), '')));
    }
    const cache = await openCache(await freshDir('many-state'), recordingLogger());
    await assert.rejects(
      buildManifest(dir, ID, V, CHUNK, cache, recordingLogger()),
      isCode('serve-root-not-transferable'),
    );
  });

  test('refuses a root with a path longer than a manifest allows', async () => {
    const dir = await freshDir('long');
    const segment = 'd'.repeat(200);
    const rel = [segment, segment, segment, segment, segment, 'f'.repeat(100)].join('/');
    assert.ok(rel.length > MAX_PATH_LENGTH);
    await put(join(dir, ...rel.split('/')), 'x');
    await put(join(dir, 'version.ini'), '1\n');
    const cache = await openCache(await freshDir('long-state'), recordingLogger());
    await assert.rejects(
      buildManifest(dir, ID, V, CHUNK, cache, recordingLogger()),
      isCode('serve-root-not-transferable'),
    );
  });

  test('refuses a root with a file name that is not portable', async () => {
    const dir = await freshDir('backslash');
    await put(join(dir, 'version.ini'), '1\n');
    await put(join(dir, 'a\\b.txt'), 'x');
    const cache = await openCache(await freshDir('backslash-state'), recordingLogger());
    await assert.rejects(
      buildManifest(dir, ID, V, CHUNK, cache, recordingLogger()),
      isCode('serve-root-not-transferable'),
    );
  });

  for (const [label, names] of [
    ['a reserved device name', ['data/CON.dat']],
    ['names that differ only by case', ['Data/a.txt', 'data/A.TXT']],
  ] as const) {
    test(`refuses a root that Windows could not hold: ${label}`, async () => {
      const dir = await freshDir('windows');
      await put(join(dir, 'version.ini'), '1\n');
      for (const name of names) await put(join(dir, ...name.split('/')), name);
      const cache = await openCache(await freshDir('windows-state'), recordingLogger());
      await assert.rejects(
        buildManifest(dir, ID, V, CHUNK, cache, recordingLogger()),
        isCode('serve-root-not-transferable'),
      );
    });
  }

  test('refuses before hashing a root whose manifest would exceed a control frame', async () => {
    const dir = await freshDir('huge');
    await put(join(dir, 'version.ini'), '1\n');
    await put(join(dir, 'huge.bin'), '');
    // Sparse: 100 000 chunks of 1 MiB would take minutes to hash but are refused at once.
    await truncate(join(dir, 'huge.bin'), 100_000 * CHUNK);
    const cache = await openCache(await freshDir('huge-state'), recordingLogger());
    await assert.rejects(
      buildManifest(dir, ID, V, CHUNK, cache, recordingLogger()),
      isCode('serve-root-not-transferable'),
    );
  });
});

describe('HashCache', () => {
  test('a corrupt cache file is logged and ignored, then replaced by a good one', async () => {
    const state = await freshDir('corrupt');
    await writeFile(join(state, 'hash-cache.json'), '{"version":1,"files":{"x": garbage');
    const lines: LogLine[] = [];
    const cache = await openCache(state, recordingLogger(lines));
    assert.ok(lines.some((l) => l.level === 'warn'));
    assert.equal(cache.get('/x', 1, 1, CHUNK), undefined);

    const dir = await freshDir('corrupt-root');
    const data = bytes(CHUNK + 1, 'c');
    await put(join(dir, 'a.bin'), data);
    const m = await buildManifest(dir, ID, V, CHUNK, cache, recordingLogger());
    assert.deepEqual(m.files[0]?.chunks, sliceHashes(data, CHUNK));
    await cache.flush();
    const again = await openCache(state, recordingLogger(lines));
    const st = await stat(join(dir, 'a.bin'));
    assert.deepEqual(
      again.get(join(dir, 'a.bin'), data.length, st.mtimeMs, CHUNK),
      sliceHashes(data, CHUNK),
    );
  });

  test('a cache file of the wrong shape is ignored', async () => {
    for (const text of ['[]', '{"version":2,"files":{}}', '{"files":{"/a":{"size":"x"}}}', '']) {
      const state = await freshDir('shape');
      await writeFile(join(state, 'hash-cache.json'), text);
      const lines: LogLine[] = [];
      const cache = await openCache(state, recordingLogger(lines));
      assert.equal(cache.get('/a', 1, 1, CHUNK), undefined);
      assert.ok(
        lines.some((l) => l.level === 'warn'),
        text,
      );
    }
  });

  test('entries whose hash count does not fit the size are dropped on load', async () => {
    const state = await freshDir('inconsistent');
    const h = 'a'.repeat(64);
    await writeFile(
      join(state, 'hash-cache.json'),
      JSON.stringify({
        version: 1,
        files: {
          '/good': { size: CHUNK + 1, mtimeMs: 5, chunks: { [CHUNK]: [h, h] } },
          '/bad': { size: CHUNK + 1, mtimeMs: 5, chunks: { [CHUNK]: [h] } },
        },
      }),
    );
    const cache = await openCache(state, recordingLogger());
    assert.deepEqual(cache.get('/good', CHUNK + 1, 5, CHUNK), [h, h]);
    assert.equal(cache.get('/bad', CHUNK + 1, 5, CHUNK), undefined);
  });

  test('keeps every served chunk size of a file and none other', async () => {
    const state = await freshDir('served-sizes');
    const h = (c: string, n: number): string[] => Array.from({ length: n }, () => c.repeat(64));
    const size = 3 * CHUNK;
    await writeFile(
      join(state, 'hash-cache.json'),
      JSON.stringify({
        version: 1,
        files: {
          // As an older version left it: sizes asked by receivers, served no more.
          '/f': { size, mtimeMs: 5, chunks: { [CHUNK]: h('1', 3), [2 * CHUNK]: h('2', 2) } },
          '/old': { size, mtimeMs: 5, chunks: { [4 * CHUNK]: h('4', 1) } },
        },
      }),
    );
    const lines: LogLine[] = [];
    const cache = await openCache(state, recordingLogger(lines));
    assert.deepEqual(
      lines.filter((l) => l.level === 'warn'),
      [],
      'old sizes are no corruption',
    );
    assert.deepEqual(cache.get('/f', size, 5, CHUNK), h('1', 3));
    assert.equal(cache.get('/f', size, 5, 2 * CHUNK), undefined);
    assert.equal(cache.get('/old', size, 5, 4 * CHUNK), undefined);

    cache.set('/f', size, 5, 2 * CHUNK, h('2', 2));
    assert.equal(cache.get('/f', size, 5, 2 * CHUNK), undefined);
    assert.ok(lines.some((l) => l.level === 'warn' && l.msg.startsWith('not caching')));
    // Every served size stays, whatever order they are set in: none pushes another out.
    for (const round of [1, 2]) {
      for (const chunkSize of CHUNK_SIZES) {
        cache.set('/f', size, 5, chunkSize, h(String(round), Math.ceil(size / chunkSize)));
      }
    }
    for (const chunkSize of CHUNK_SIZES) {
      assert.deepEqual(cache.get('/f', size, 5, chunkSize), h('2', Math.ceil(size / chunkSize)));
    }
  });

  test('keys by size, mtime and chunk size; a change of size or mtime replaces the entry', async () => {
    const state = await freshDir('keys');
    const cache = await openCache(state, recordingLogger());
    const h1 = '1'.repeat(64);
    const h2 = '2'.repeat(64);
    cache.set('/f', 10, 100, CHUNK, [h1]);
    cache.set('/f', 10, 100, LARGE_CHUNK, [h2]);
    assert.deepEqual(cache.get('/f', 10, 100, CHUNK), [h1]);
    assert.deepEqual(cache.get('/f', 10, 100, LARGE_CHUNK), [h2]);
    assert.equal(cache.get('/f', 11, 100, CHUNK), undefined);
    assert.equal(cache.get('/f', 10, 101, CHUNK), undefined);
    assert.equal(cache.get('/f', 10, 100, 3 * CHUNK), undefined);
    cache.set('/f', 10, 200, CHUNK, [h2]);
    assert.deepEqual(cache.get('/f', 10, 200, CHUNK), [h2]);
    assert.equal(cache.get('/f', 10, 200, LARGE_CHUNK), undefined);
    assert.equal(cache.get('/f', 10, 100, CHUNK), undefined);
    await cache.flush();
    const reopened = await openCache(state, recordingLogger());
    assert.deepEqual(reopened.get('/f', 10, 200, CHUNK), [h2]);
    // The write is a rename: no temp file is left behind.
    assert.deepEqual(await readdir(state), ['hash-cache.json']);
    const saved: unknown = JSON.parse(await readFile(join(state, 'hash-cache.json'), 'utf8'));
    assert.equal((saved as { version: number }).version, 1);
  });
});

describe('HashCache forgets what is gone', () => {
  const h = (c: string): string[] => [c.repeat(64)];

  test('keepGames forgets other games, files loose in the games folder and other folders', async () => {
    const state = await freshDir('keep-games');
    const games = join(base, 'games-folder');
    const cache = await openCache(state, recordingLogger());
    const kept = join(games, 'cnc4', 'cnc4.eti');
    const keptDeep = join(games, 'cnc4', 'data', 'x.bin');
    const removed = join(games, 'ggoo', 'ggoo.eti');
    const loose = join(games, 'cnc4.eti');
    const elsewhere = join(base, 'old-games-folder', 'cnc4', 'cnc4.eti');
    const lookalike = join(`${games}-2`, 'cnc4', 'cnc4.eti');
    for (const path of [kept, keptDeep, removed, loose, elsewhere, lookalike])
      cache.set(path, 10, 1, CHUNK, h('a'));
    cache.keepGames(games, new Set(['cnc4']));
    await cache.flush();
    const reopened = await openCache(state, recordingLogger());
    assert.deepEqual(reopened.get(kept, 10, 1, CHUNK), h('a'));
    assert.deepEqual(reopened.get(keptDeep, 10, 1, CHUNK), h('a'));
    for (const path of [removed, loose, elsewhere, lookalike])
      assert.equal(reopened.get(path, 10, 1, CHUNK), undefined, path);
  });

  test('a manifest forgets the files its root no longer has, and nothing outside the root', async () => {
    const root = await freshDir('keep-files');
    const other = await freshDir('keep-files-other');
    const state = await freshDir('keep-files-state');
    await put(join(root, 'version.ini'), '20250101\n');
    await put(join(root, 'a.eti'), bytes(100, 'a'));
    await put(join(root, 'b.eti'), bytes(100, 'b'));
    await put(join(other, 'b.eti'), bytes(100, 'b'));
    const cache = await openCache(state, recordingLogger());
    await buildManifest(root, ID, V, CHUNK, cache, recordingLogger());
    await buildManifest(other, ID, V, CHUNK, cache, recordingLogger());
    const gone = await stat(join(root, 'b.eti'));
    const stays = await stat(join(other, 'b.eti'));
    assert.ok(cache.get(join(root, 'b.eti'), 100, gone.mtimeMs, CHUNK));
    await rm(join(root, 'b.eti'));
    const manifest = await buildManifest(root, ID, V, CHUNK, cache, recordingLogger());
    assert.deepEqual(
      manifest.files.map((f) => f.path),
      ['a.eti', 'version.ini'],
    );
    assert.equal(cache.get(join(root, 'b.eti'), 100, gone.mtimeMs, CHUNK), undefined);
    assert.ok(cache.get(join(other, 'b.eti'), 100, stays.mtimeMs, CHUNK));
  });
});

describe('hashFileChunks', () => {
  test('hashes each slice, the last one shorter, and an empty file to no chunks', async () => {
    const dir = await freshDir('hash');
    const data = bytes(5 * CHUNK + 7, 'h');
    await put(join(dir, 'a'), data);
    await put(join(dir, 'e'), '');
    assert.deepEqual(
      await hashFileChunks(join(dir, 'a'), data.length, CHUNK),
      sliceHashes(data, CHUNK),
    );
    // A chunk larger than the read block spans several reads.
    const large = bytes(9 * MIB + 3, 'large');
    await put(join(dir, 'l'), large);
    assert.deepEqual(
      await hashFileChunks(join(dir, 'l'), large.length, 5 * MIB),
      sliceHashes(large, 5 * MIB),
    );
    assert.deepEqual(await hashFileChunks(join(dir, 'e'), 0, CHUNK), []);
  });

  test('fails with hash-failed for a file of another size, a missing file or a folder', async () => {
    const dir = await freshDir('hash-bad');
    await put(join(dir, 'a'), bytes(1000, 'x'));
    await assert.rejects(hashFileChunks(join(dir, 'a'), 999, CHUNK), isCode('hash-failed'));
    await assert.rejects(hashFileChunks(join(dir, 'a'), 1001, CHUNK), isCode('hash-failed'));
    await assert.rejects(hashFileChunks(join(dir, 'missing'), 10, CHUNK), isCode('hash-failed'));
    await assert.rejects(hashFileChunks(dir, 10, CHUNK), isCode('hash-failed'));
    await assert.rejects(hashFileChunks(join(dir, 'a'), 1000, 0), isCode('hash-failed'));
  });

  test('an abort stops a running hash at once and the pool keeps working', async () => {
    const dir = await freshDir('hash-abort');
    const huge = join(dir, 'huge');
    await put(huge, '');
    await truncate(huge, 64 * 1024 * 1024 * 1024);
    const controller = new AbortController();
    const running = hashFileChunks(huge, 64 * 1024 * 1024 * 1024, CHUNK, controller.signal);
    const queued = Array.from({ length: 3 }, () =>
      hashFileChunks(huge, 64 * 1024 * 1024 * 1024, CHUNK, controller.signal),
    );
    controller.abort(new LanspreadError('cancelled', 'stop'));
    await assert.rejects(running, isCode('cancelled'));
    for (const q of queued) await assert.rejects(q, isCode('cancelled'));
    const data = bytes(100, 'after');
    await put(join(dir, 'small'), data);
    assert.deepEqual(
      await hashFileChunks(join(dir, 'small'), 100, CHUNK),
      sliceHashes(data, CHUNK),
    );
  });

  test('closeHasherPool fails pending hashes with shutting-down; later hashes start a new pool', async () => {
    const dir = await freshDir('hash-close');
    const huge = join(dir, 'huge');
    await put(huge, '');
    await truncate(huge, 64 * 1024 * 1024 * 1024);
    const pending = assert.rejects(
      hashFileChunks(huge, 64 * 1024 * 1024 * 1024, CHUNK),
      isCode('shutting-down'),
    );
    await closeHasherPool();
    await pending;
    const data = bytes(10, 'again');
    await put(join(dir, 'small'), data);
    assert.deepEqual(await hashFileChunks(join(dir, 'small'), 10, CHUNK), sliceHashes(data, CHUNK));
  });
});
