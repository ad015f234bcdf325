import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CatalogGame } from '../../../src/catalog/index.js';
import { LanspreadError, type ErrorCode } from '../../../src/errors.js';
import type { GameId, GameVersion } from '../../../src/ids.js';
import type { LocalGame } from '../../../src/library/index.js';
import {
  checkServeGame,
  isTransferablePath,
  resolveServePath,
} from '../../../src/transfer/serve-gates.js';

const V = '20250101' as GameVersion;
const OLD = '20240101' as GameVersion;
const ID = 'cnctw' as GameId;

const entry: CatalogGame = {
  id: ID,
  name: 'C&C',
  description: null,
  size: null,
  version: V,
  manifestDigest: null,
  genre: null,
  maxPlayers: null,
  releaseYear: null,
  cover: null,
};
const ready: LocalGame = { id: ID, version: V, downloaded: true, installed: false, size: 10 };

function codeOf(err: LanspreadError | null): ErrorCode | null {
  return err?.code ?? null;
}

describe('checkServeGame', () => {
  test('serves a Ready root at the catalog version with no operation on it', () => {
    assert.equal(checkServeGame({ entry, game: ready, busy: null, requestedVersion: V }), null);
    const installed = { ...ready, installed: true };
    assert.equal(checkServeGame({ entry, game: installed, busy: null, requestedVersion: V }), null);
  });

  test('refuses a game that is not in our catalog', () => {
    const err = checkServeGame({
      entry: undefined,
      game: ready,
      busy: null,
      requestedVersion: V,
    });
    assert.ok(err instanceof LanspreadError);
    assert.equal(err.code, 'serve-unknown-game');
  });

  test('refuses a root without version.ini, without a root, or at another version', () => {
    const cases: (LocalGame | undefined)[] = [
      undefined,
      { ...ready, downloaded: false, version: null },
      { ...ready, downloaded: false, version: null, installed: true },
      { ...ready, version: OLD },
      { ...ready, version: null },
    ];
    for (const game of cases) {
      const err = checkServeGame({ entry, game, busy: null, requestedVersion: V });
      assert.equal(codeOf(err), 'serve-not-ready', JSON.stringify(game));
    }
  });

  test('refuses a receiver that asks for a version other than ours', () => {
    const err = checkServeGame({
      entry,
      game: ready,
      busy: null,
      requestedVersion: OLD,
    });
    assert.equal(codeOf(err), 'serve-version-mismatch');
    assert.match(err?.message ?? '', /20240101/);
  });

  test('refuses while any operation runs on the game', () => {
    for (const op of [
      'Downloading',
      'Installing',
      'Updating',
      'Uninstalling',
      'Removing',
    ] as const) {
      const err = checkServeGame({ entry, game: ready, busy: op, requestedVersion: V });
      assert.equal(codeOf(err), 'serve-busy', op);
    }
  });

  test('a download in progress (no version.ini yet) reads as busy, not as not-ready', () => {
    const partial = { ...ready, downloaded: false, version: null };
    const err = checkServeGame({
      entry,
      game: partial,
      busy: 'Downloading',
      requestedVersion: V,
    });
    assert.equal(codeOf(err), 'serve-busy');
  });
});

describe('isTransferablePath', () => {
  test('accepts plain relative paths, including version.ini and nested files', () => {
    for (const p of [
      'version.ini',
      'game.eti',
      'docs/readme.txt',
      'a/b/c/d.bin',
      'localised/x',
      'sub/local/x',
      '.hidden',
      'x..y',
      'data/console.txt',
      'straße/nullable.bin',
    ]) {
      assert.equal(isTransferablePath(p), true, p);
    }
  });

  test('rejects every kind of path that is not plain, relative and ours to send', () => {
    for (const p of [
      '',
      '/etc/passwd',
      'C:/Windows/x',
      'c:x',
      '../x',
      'a/../../x',
      'a/..',
      './x',
      'a/./b',
      'a//b',
      'a/',
      'a\\b',
      '..\\x',
      'a\0b',
      'a\nb',
      'local/game.exe',
      'local',
      '.local.installing/x',
      '.local.backup/x',
      '.lanspread/journal.json',
      'launch_settings_applied',
      'Local/x',
      'local./x',
      'x'.repeat(1025),
      'data/CON',
      'data/nul.txt',
      'COM1.log',
      'game.exe:stream',
      'a.txt.',
      'a.txt ',
      'what?.txt',
      'a<b>c',
    ]) {
      assert.equal(isTransferablePath(p), false, JSON.stringify(p));
    }
  });
});

describe('resolveServePath', () => {
  let base: string;
  let root: string;
  let outside: string;

  async function put(path: string, content: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }

  async function refusal(relPath: string): Promise<void> {
    await assert.rejects(
      resolveServePath(root, relPath),
      (err: unknown) => err instanceof LanspreadError && err.code === 'serve-bad-path',
      JSON.stringify(relPath),
    );
  }

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'lanspread-gates-'));
    root = join(base, 'games', 'cnctw');
    outside = join(base, 'outside');
    await put(join(outside, 'secret.txt'), 'secret');
    await put(join(root, 'version.ini'), '20250101\n');
    await put(join(root, 'game.eti'), '12345');
    await put(join(root, 'docs', 'readme.txt'), 'hello');
    await put(join(root, 'local', 'game.exe'), 'installed');
    await put(join(root, '.local.installing', 'x'), 'staging');
    await put(join(root, '.local.backup', 'x'), 'backup');
    await put(join(root, '.lanspread', 'journal.json'), '{}');
    await put(join(root, 'launch_settings_applied'), '');
    await symlink(outside, join(root, 'linked-dir'));
    await symlink(join(outside, 'secret.txt'), join(root, 'linked-file.txt'));
    await symlink(join(root, 'game.eti'), join(root, 'docs', 'inner-link.eti'));
    await mkdir(join(root, 'emptydir'));
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  test('resolves regular files of the root, top-level and nested', async () => {
    assert.deepEqual(await resolveServePath(root, 'game.eti'), {
      absPath: join(root, 'game.eti'),
      size: 5,
    });
    assert.deepEqual(await resolveServePath(root, 'docs/readme.txt'), {
      absPath: join(root, 'docs', 'readme.txt'),
      size: 5,
    });
    assert.equal((await resolveServePath(root, 'version.ini')).size, 9);
  });

  test('rejects paths that are not plain relative paths', async () => {
    for (const p of [
      '',
      '/etc/passwd',
      join(root, 'game.eti'),
      'C:/game.eti',
      '../outside/secret.txt',
      'docs/../game.eti',
      './game.eti',
      'docs//readme.txt',
      'docs/',
      'docs\\readme.txt',
      'game.eti\0',
    ]) {
      await refusal(p);
    }
  });

  test('rejects our own subtrees and the launch-settings marker even though they exist', async () => {
    for (const p of [
      'local/game.exe',
      '.local.installing/x',
      '.local.backup/x',
      '.lanspread/journal.json',
      'launch_settings_applied',
    ]) {
      await refusal(p);
    }
  });

  test('rejects a symlinked folder inside the root that points outside', async () => {
    await refusal('linked-dir/secret.txt');
    await refusal('linked-dir');
  });

  test('rejects a symlinked file, even one pointing inside the root', async () => {
    await refusal('linked-file.txt');
    await refusal('docs/inner-link.eti');
  });

  test('rejects folders, missing files and paths through a file', async () => {
    await refusal('docs');
    await refusal('emptydir');
    await refusal('missing.bin');
    await refusal('docs/missing.txt');
    await refusal('game.eti/x');
  });
});
