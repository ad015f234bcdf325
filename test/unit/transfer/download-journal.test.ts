import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import type { GameId, GameVersion } from '../../../src/ids.js';
import {
  DownloadJournal,
  JOURNAL_FLUSH_CHUNKS,
  JOURNAL_FLUSH_DELAY_MS,
  JOURNAL_MAX_UNWRITTEN,
  journalPath,
} from '../../../src/transfer/download-journal.js';

const GAME = 'cnctw' as GameId;
const VERSION = '20250101' as GameVersion;
const DIGEST = 'd'.repeat(64);
const CHUNK = 32 * 1024 * 1024;

let root: string;
beforeEach(async () => {
  root = join(await mkdtemp(join(tmpdir(), 'lanspread-journal-')), 'cnctw');
});
afterEach(async () => {
  await rm(join(root, '..'), { recursive: true, force: true });
});

const open = (digest = DIGEST, version = VERSION): Promise<DownloadJournal> =>
  DownloadJournal.open(root, GAME, version, digest, CHUNK);

test('a fresh journal is empty and creates .lanspread/ on flush', async () => {
  const journal = await open();
  assert.equal(journal.verified.size, 0);
  journal.record('a.eti@0');
  assert.equal(await journal.flush(), true);
  const body = JSON.parse(await readFile(journalPath(root), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(body, {
    game: GAME,
    version: VERSION,
    manifest_digest: DIGEST,
    chunk_size: CHUNK,
    verified: ['a.eti@0'],
  });
});

test('record, flush and reopen keeps the keys', async () => {
  const journal = await open();
  journal.record('a.eti@0');
  journal.record(`a.eti@${CHUNK}`);
  await journal.flush();
  const again = await open();
  assert.deepEqual([...again.verified].sort(), ['a.eti@0', `a.eti@${CHUNK}`]);
});

test('opening sweeps the temp files of writes a crash cut short, and keeps the journal', async () => {
  const journal = await open();
  journal.record('a.eti@0');
  await journal.flush();
  const leftover = `${journalPath(root)}.0123456789ab.tmp`;
  await writeFile(leftover, '{"game": "cnctw", "verif');
  const again = await open();
  assert.deepEqual([...again.verified], ['a.eti@0']);
  assert.deepEqual(await readdir(join(root, '.lanspread')), ['download.json']);
});

test('records are written by themselves after a short delay', async () => {
  const journal = await open();
  journal.record('a.eti@0');
  const deadline = Date.now() + 5000;
  while (!existsSync(journalPath(root)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual([...(await open()).verified], ['a.eti@0']);
  await journal.flush();
});

/** The keys on disk now; none while the file is missing. */
async function onDisk(): Promise<string[]> {
  try {
    return (JSON.parse(await readFile(journalPath(root), 'utf8')) as { verified: string[] })
      .verified;
  } catch {
    return [];
  }
}

/** Polls without setTimeout (mocked below), so only the journal's own triggers can write. */
async function untilOnDisk(count: number): Promise<string[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const keys = await onDisk();
    if (keys.length >= count || Date.now() > deadline) return keys;
    await new Promise((r) => setImmediate(r));
  }
}

test('the first verified chunk and every few after it are written without the batch delay', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const journal = await open();
  await journal.record('a.eti@0');
  assert.deepEqual(await untilOnDisk(1), ['a.eti@0']);
  const keys = Array.from({ length: JOURNAL_FLUSH_CHUNKS }, (_, i) => `a.eti@${(i + 1) * CHUNK}`);
  for (const key of keys) await journal.record(key);
  assert.equal((await untilOnDisk(1 + JOURNAL_FLUSH_CHUNKS)).length, 1 + JOURNAL_FLUSH_CHUNKS);
  // Fewer than a batch wait for the delay, then land by themselves.
  await journal.record('b.eti@0');
  t.mock.timers.tick(JOURNAL_FLUSH_DELAY_MS);
  assert.equal((await untilOnDisk(2 + JOURNAL_FLUSH_CHUNKS)).length, 2 + JOURNAL_FLUSH_CHUNKS);
  await journal.flush();
});

test('a verification waits while too many verified chunks are not on disk yet', async () => {
  const journal = await open();
  const keys = Array.from({ length: 5 * JOURNAL_MAX_UNWRITTEN }, (_, i) => `a.eti@${i * CHUNK}`);
  // Recorded in one go, faster than any write can land: each answer must wait for the disk.
  const recorded = keys.map((key) => journal.record(key));
  for (const [i, done] of recorded.entries()) {
    await done;
    const lag = i + 1 - (await onDisk()).length;
    assert.ok(lag <= JOURNAL_MAX_UNWRITTEN, `chunk ${i} resolved with ${lag} chunks not on disk`);
  }
  await journal.flush();
});

test('a journal for another manifest digest, version or chunk size starts empty', async () => {
  const journal = await open();
  journal.record('a.eti@0');
  await journal.flush();
  assert.equal((await open()).verified.size, 1);
  assert.equal((await open('e'.repeat(64))).verified.size, 0);
  assert.equal((await open(DIGEST, '20260101' as GameVersion)).verified.size, 0);
  // An older version could ask any size; its chunk grid does not fit the one asked now.
  const otherGrid = await DownloadJournal.open(root, GAME, VERSION, DIGEST, 8 * 1024 * 1024);
  assert.equal(otherGrid.verified.size, 0);
});

test('a corrupt journal starts empty', async () => {
  await mkdir(join(root, '.lanspread'), { recursive: true });
  await writeFile(journalPath(root), '{"game": "cnctw", "verified": [');
  assert.equal((await open()).verified.size, 0);
  await writeFile(journalPath(root), JSON.stringify({ game: GAME, verified: 'nope' }));
  assert.equal((await open()).verified.size, 0);
});

test('remove deletes the journal and later records are not written', async () => {
  const journal = await open();
  journal.record('a.eti@0');
  await journal.flush();
  await journal.remove();
  assert.equal(existsSync(journalPath(root)), false);
  journal.record('b.eti@0');
  await journal.flush();
  assert.equal(existsSync(journalPath(root)), false);
});

test('a failed write reports false instead of throwing', async () => {
  await mkdir(root, { recursive: true });
  // A file where the folder should be makes every write fail.
  await writeFile(join(root, '.lanspread'), 'not a folder');
  const journal = await open();
  journal.record('a.eti@0');
  assert.equal(await journal.flush(), false);
});
