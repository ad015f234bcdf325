import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import type { GameId, GameVersion } from '../../../src/ids.js';
import { DownloadJournal, journalPath } from '../../../src/transfer/download-journal.js';

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

test('a journal for another manifest digest or version starts empty', async () => {
  const journal = await open();
  journal.record('a.eti@0');
  await journal.flush();
  assert.equal((await open('e'.repeat(64))).verified.size, 0);
  assert.equal((await open(DIGEST, '20260101' as GameVersion)).verified.size, 0);
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
