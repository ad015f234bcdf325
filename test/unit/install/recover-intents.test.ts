import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import type { GameId } from '../../../src/ids.js';
import {
  IntentStore,
  recoverIntents,
  systemBootId,
  updatePaths,
  type Intent,
} from '../../../src/install/index.js';
import { recordingLogger } from '../../support/recording-logger.js';

const GAME = 'cnctw' as GameId;
let dir: string;
let games: string;
let store: IntentStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lanspread-recover-'));
  games = join(dir, 'games');
  store = new IntentStore(join(dir, 'state'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `files` (path → content) under `base`, creating folders. */
async function put(base: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(base, path, '..'), { recursive: true });
    await writeFile(join(base, path), text);
  }
}

async function recover(intent: Intent): Promise<string[]> {
  await store.record(intent);
  const log = recordingLogger();
  assert.equal(await recoverIntents(store, log), 1);
  assert.deepEqual(await store.list(log), [], 'a settled intent is cleared');
  return log.lines.map((l) => `${l.msg}: ${String(l.fields.outcome)}`);
}

const root = (): string => join(games, GAME);

test('an install cut between its two renames gets its previous local/ back', async () => {
  await put(root(), {
    'version.ini': '20250101',
    '.local.backup/old.txt': 'old',
    '.local.installing/new.txt': 'new',
  });
  await recover({ kind: 'install', game: GAME, root: root() });
  assert.deepEqual(await readdir(root()), ['local', 'version.ini']);
  assert.equal(await readFile(join(root(), 'local', 'old.txt'), 'utf8'), 'old');
});

test('an install cut after the new local/ went in removes the old one and the staging', async () => {
  await put(root(), {
    'local/new.txt': 'new',
    '.local.backup/old.txt': 'old',
    '.local.installing/half.txt': 'x',
  });
  await recover({ kind: 'install', game: GAME, root: root() });
  assert.deepEqual(await readdir(root()), ['local']);
  assert.deepEqual(await readdir(join(root(), 'local')), ['new.txt']);
});

test('an uninstall cut after local/ was moved aside finishes', async () => {
  await put(root(), { 'version.ini': '1', '.local.backup/half.txt': 'x' });
  await recover({ kind: 'uninstall', game: GAME, root: root() });
  assert.deepEqual(await readdir(root()), ['version.ini']);
});

test('a streamed install cut short leaves no staging and no root it had created', async () => {
  await put(root(), { '.local.installing/part.bin': 'x' });
  await recover({ kind: 'stream-install', game: GAME, root: root(), created_root: true });
  assert.equal(existsSync(root()), false);
});

test('an interrupted download stays as resume data and is not made Ready', async () => {
  await put(root(), { 'a.eti': 'partial', '.lanspread/download.json': '{}' });
  const lines = await recover({ kind: 'download', game: GAME, root: root() });
  assert.equal(existsSync(join(root(), 'version.ini')), false);
  assert.equal(existsSync(join(root(), '.lanspread', 'download.json')), true);
  assert.match(lines.join('\n'), /resume data/);
});

function updateIntent(phase: 'fetch' | 'swap'): Intent {
  return {
    kind: 'update',
    game: GAME,
    ...updatePaths(games, GAME),
    from: '1',
    to: '2',
    phase,
  };
}

test('an update cut while fetching keeps the old root and the staging as resume data', async () => {
  const { staging } = updatePaths(games, GAME);
  await put(root(), { 'version.ini': '1', 'local/old.txt': 'old' });
  await put(staging, { 'a.eti': 'partial', '.lanspread/download.json': '{}' });
  await recover(updateIntent('fetch'));
  assert.equal(await readFile(join(root(), 'version.ini'), 'utf8'), '1');
  assert.equal(existsSync(join(root(), 'local', 'old.txt')), true);
  assert.equal(existsSync(join(staging, '.lanspread', 'download.json')), true);
});

test('an update cut while installing keeps its finished download and drops the install', async () => {
  const { staging } = updatePaths(games, GAME);
  await put(root(), { 'version.ini': '1', 'local/old.txt': 'old' });
  await put(staging, {
    'version.ini': '2',
    'a.eti': 'new',
    '.local.installing/half.txt': 'x',
    'local/whole.txt': 'installed before the swap was recorded',
  });
  await recover(updateIntent('fetch'));
  // The next update installs the download as it is, without fetching it again.
  assert.deepEqual((await readdir(staging)).sort(), ['a.eti', 'version.ini']);
  assert.equal(await readFile(join(root(), 'version.ini'), 'utf8'), '1');
  assert.equal(existsSync(join(root(), 'local', 'old.txt')), true);
});

for (const [name, cut] of [
  ['before the old root moved', async (): Promise<void> => undefined],
  [
    'between the two renames',
    async (): Promise<void> => {
      const { old } = updatePaths(games, GAME);
      await mkdir(join(old, '..'), { recursive: true });
      await rename(root(), old);
    },
  ],
] as const) {
  test(`an update cut in its swap ${name} ends with the new root alone`, async () => {
    const { staging, old } = updatePaths(games, GAME);
    await put(root(), { 'version.ini': '1', 'local/old.txt': 'old' });
    await put(staging, { 'version.ini': '2', 'local/new.txt': 'new' });
    await cut();
    await recover(updateIntent('swap'));
    assert.equal(await readFile(join(root(), 'version.ini'), 'utf8'), '2');
    assert.deepEqual(await readdir(join(root(), 'local')), ['new.txt']);
    assert.equal(existsSync(old), false);
    assert.equal(existsSync(staging), false);
  });
}

test('an update cut after the swap removes the old remains', async () => {
  const { old } = updatePaths(games, GAME);
  await put(root(), { 'version.ini': '2', 'local/new.txt': 'new' });
  await put(old, { 'version.ini': '1', 'local/old.txt': 'half deleted' });
  await recover(updateIntent('swap'));
  assert.equal(await readFile(join(root(), 'version.ini'), 'utf8'), '2');
  assert.equal(existsSync(old), false);
});

test('a remove-files cut after the move finishes the deletion', async () => {
  const trash = join(games, '.lanspread', 'removing', GAME);
  await put(trash, { 'version.ini': '1', 'local/x.txt': 'x' });
  await recover({ kind: 'remove-files', game: GAME, root: root(), trash });
  assert.equal(existsSync(trash), false);
  assert.equal(existsSync(root()), false);
});

test('an unreadable intent is logged and dropped; a torn temp file is ignored', async () => {
  const intents = join(dir, 'state', 'intents');
  await mkdir(intents, { recursive: true });
  await writeFile(join(intents, 'cnctw.json'), '{"kind":"install"');
  await writeFile(join(intents, 'bf1942.json.tmp'), '{');
  const log = recordingLogger();
  assert.equal(await recoverIntents(store, log), 0);
  assert.deepEqual(await readdir(intents), []);
  assert.ok(log.lines.some((l) => l.level === 'warn' && l.msg.includes('unreadable')));
});

test('a flush cut short by our own crash is finished on the same boot: the root stays Ready', async () => {
  await put(root(), { 'version.ini': '1', 'a.eti': 'bytes', '.lanspread/download.json': '{}' });
  const boot = await systemBootId();
  assert.ok(boot !== null && boot.length > 0, 'this system tells its boot');
  assert.equal(await systemBootId(), boot, 'the same boot reads the same');
  const lines = await recover({ kind: 'flush', game: GAME, root: root(), boot });
  assert.equal(await readFile(join(root(), 'version.ini'), 'utf8'), '1');
  assert.equal(existsSync(join(root(), '.lanspread', 'download.json')), false, 'no journal left');
  assert.match(lines.join('\n'), /the system kept the files/);
});

test('a flush cut short by a restart of the system takes the root back to resume data', async () => {
  await put(root(), { 'version.ini': '1', 'a.eti': 'bytes', '.lanspread/download.json': '{}' });
  const lines = await recover({ kind: 'flush', game: GAME, root: root(), boot: 'an earlier boot' });
  assert.equal(existsSync(join(root(), 'version.ini')), false);
  assert.equal(await readFile(join(root(), '.lanspread', 'version.ini.incoming'), 'utf8'), '1');
  assert.equal(existsSync(join(root(), '.lanspread', 'download.json')), true, 'the journal stays');
  assert.match(lines.join('\n'), /resume data again/);
});

test('a flush record of a root that never committed, or is gone, changes nothing', async () => {
  await put(root(), { 'a.eti': 'partial' });
  await recover({ kind: 'flush', game: GAME, root: root(), boot: 'an earlier boot' });
  assert.deepEqual(await readdir(root()), ['a.eti']);
  const lines = await recover({ kind: 'flush', game: GAME, root: join(games, 'gone'), boot: null });
  assert.match(lines.join('\n'), /had not committed/);
});

test('flush records live apart from the intents: a game may have both', async () => {
  const flushes = new IntentStore(join(dir, 'state'), 'flushes');
  await store.record({ kind: 'install', game: GAME, root: root() });
  await flushes.record({ kind: 'flush', game: GAME, root: root(), boot: null });
  const log = recordingLogger();
  assert.equal((await store.list(log))[0]?.kind, 'install');
  assert.equal((await flushes.list(log))[0]?.kind, 'flush');
  await flushes.clear(GAME);
  assert.deepEqual(await flushes.list(log), [], 'the flush record went');
  assert.equal((await store.list(log))[0]?.kind, 'install', 'the intent stays');
});
