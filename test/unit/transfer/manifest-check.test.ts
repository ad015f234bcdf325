import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GameId, GameVersion } from '../../../src/ids.js';
import type { Manifest } from '../../../src/protocol/index.js';
import { checkManifest } from '../../../src/transfer/manifest-check.js';

const GAME = 'cnctw' as GameId;
const VERSION = '20250101' as GameVersion;
const CHUNK = 64 * 1024;
const EXPECTED = { game: GAME, version: VERSION, chunkSize: CHUNK };
const HASH = 'a'.repeat(64);

function file(path: string, size = 10): Manifest['files'][number] {
  return { path, size, chunks: Array.from({ length: Math.ceil(size / CHUNK) }, () => HASH) };
}

function manifest(files: Manifest['files'], over: Partial<Manifest> = {}): Manifest {
  return { t: 'manifest', game: GAME, version: VERSION, chunk_size: CHUNK, files, ...over };
}

const SENTINEL = file('version.ini', 9);

test('accepts a plain root with version.ini, subfolders and empty files', () => {
  const m = manifest([SENTINEL, file('game.eti', 3 * CHUNK + 1), file('docs/readme.txt', 0)]);
  assert.equal(checkManifest(m, EXPECTED), null);
});

test('rejects a manifest for another game, version or chunk size', () => {
  assert.match(
    checkManifest(manifest([SENTINEL], { game: 'other' as GameId }), EXPECTED) ?? '',
    /other/,
  );
  assert.match(
    checkManifest(manifest([SENTINEL], { version: '1999' as GameVersion }), EXPECTED) ?? '',
    /1999/,
  );
  assert.match(
    checkManifest(manifest([SENTINEL], { chunk_size: CHUNK * 2 }), EXPECTED) ?? '',
    /chunks/,
  );
});

for (const path of [
  '../escape.txt',
  'a/../../up.txt',
  '/etc/passwd',
  'C:/Windows/evil.dll',
  'c:evil.dll',
  '..\\win-escape.txt',
  'a\\b',
  './x',
  'a/./b',
  'a//b',
  'a/',
  'nul\0byte',
  'tab\there',
  'line\nbreak',
  'del\x7f',
  'data/AUX',
  'Nul.txt',
  'game.exe:stream',
  'trailing.',
  'pipe|name',
]) {
  test(`rejects a path that leaves the game root or is not plain: ${JSON.stringify(path)}`, () => {
    assert.notEqual(checkManifest(manifest([SENTINEL, file(path)]), EXPECTED), null);
  });
}

for (const path of [
  'local/planted.txt',
  'LOCAL/planted.txt',
  '.local.installing/x',
  '.local.backup/x',
  '.lanspread/download.json',
  '.Lanspread/x',
  'launch_settings_applied',
  'setup_done',
]) {
  test(`rejects a path in our own folders: ${path}`, () => {
    assert.notEqual(checkManifest(manifest([SENTINEL, file(path)]), EXPECTED), null);
  });
}

test('accepts our reserved names below the top level', () => {
  const m = manifest([SENTINEL, file('data/local/x'), file('data/launch_settings_applied')]);
  assert.equal(checkManifest(m, EXPECTED), null);
});

test('rejects a path listed twice, also when only the case differs', () => {
  assert.match(
    checkManifest(manifest([SENTINEL, file('a.txt'), file('a.txt')]), EXPECTED) ?? '',
    /twice/,
  );
  assert.match(
    checkManifest(manifest([SENTINEL, file('Data/A.txt'), file('data/a.TXT')]), EXPECTED) ?? '',
    /case-insensitive/,
  );
  assert.match(
    checkManifest(manifest([SENTINEL, file('straße.pak'), file('STRASSE.PAK')]), EXPECTED) ?? '',
    /case-insensitive/,
  );
});

test('rejects names that differ only by Unicode normalization form', () => {
  const nfc = 'caf\u00e9.txt';
  const nfd = 'cafe\u0301.txt';
  assert.notEqual(checkManifest(manifest([SENTINEL, file(nfc), file(nfd)]), EXPECTED), null);
});

test('rejects a path that is both a file and a folder', () => {
  assert.match(
    checkManifest(manifest([SENTINEL, file('a'), file('a/b')]), EXPECTED) ?? '',
    /inside/,
  );
  assert.notEqual(checkManifest(manifest([SENTINEL, file('x/y/z'), file('X/Y')]), EXPECTED), null);
});

test('rejects a chunk list that does not fit the size', () => {
  const tooFew = { path: 'big.eti', size: 2 * CHUNK + 1, chunks: [HASH, HASH] };
  const tooMany = { path: 'big.eti', size: CHUNK, chunks: [HASH, HASH] };
  const emptyWithChunk = { path: 'empty', size: 0, chunks: [HASH] };
  for (const f of [tooFew, tooMany, emptyWithChunk]) {
    assert.match(checkManifest(manifest([SENTINEL, f]), EXPECTED) ?? '', /chunk hashes/);
  }
});

test('rejects a root without a top-level version.ini', () => {
  assert.match(checkManifest(manifest([file('game.eti')]), EXPECTED) ?? '', /version\.ini/);
  assert.notEqual(checkManifest(manifest([file('sub/version.ini')]), EXPECTED), null);
  assert.notEqual(checkManifest(manifest([file('VERSION.INI')]), EXPECTED), null);
});

test('rejects a total size beyond a safe integer', () => {
  const big = 1024 ** 3;
  const size = 2 ** 52;
  // Sparse: the check reads only the length, and millions of real hashes would waste memory.
  const files = ['f1', 'f2'].map((path) => ({
    path,
    size,
    chunks: new Array<string>(size / big),
  }));
  const m = manifest([SENTINEL, ...files], { chunk_size: big });
  assert.match(checkManifest(m, { ...EXPECTED, chunkSize: big }) ?? '', /total size/);
});
