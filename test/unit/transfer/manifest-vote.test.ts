import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GameId, GameVersion } from '../../../src/ids.js';
import type { Manifest } from '../../../src/protocol/index.js';
import { manifestDigest, voteManifest } from '../../../src/transfer/manifest-vote.js';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

function manifest(files: Manifest['files']): Manifest {
  return {
    t: 'manifest',
    game: 'ggoo' as GameId,
    version: '20250101' as GameVersion,
    chunk_size: 1024 * 1024,
    files,
  };
}

const base = (): Manifest =>
  manifest([
    { path: 'version.ini', size: 9, chunks: [HASH_A] },
    { path: 'game.eti', size: 100, chunks: [HASH_B] },
  ]);

test('the digest ignores file order but not sizes, hashes or chunk size', () => {
  const m = base();
  const reordered = manifest([...m.files].reverse());
  assert.equal(manifestDigest(m), manifestDigest(reordered));
  const resized = manifest(m.files.map((f) => (f.path === 'game.eti' ? { ...f, size: 101 } : f)));
  assert.notEqual(manifestDigest(m), manifestDigest(resized));
  const rehashed = manifest(m.files.map((f) => ({ ...f, chunks: [HASH_A] })));
  assert.notEqual(manifestDigest(m), manifestDigest(rehashed));
  assert.notEqual(manifestDigest(m), manifestDigest({ ...m, chunk_size: 2 * 1024 * 1024 }));
  assert.match(manifestDigest(m), /^[0-9a-f]{64}$/);
});

test('agreeing sources all become sources of the download (S7)', () => {
  const vote = voteManifest([
    { source: 'alpha', manifest: base() },
    { source: 'bravo', manifest: manifest([...base().files].reverse()) },
  ]);
  assert.ok(vote.ok);
  assert.deepEqual(vote.agreeing, ['alpha', 'bravo']);
});

test('a single source wins alone (S36)', () => {
  const vote = voteManifest([{ source: 'only', manifest: base() }]);
  assert.ok(vote.ok);
  assert.deepEqual(vote.agreeing, ['only']);
});

test('the plurality wins and the dissenter is left out', () => {
  const odd = manifest([{ path: 'version.ini', size: 9, chunks: [HASH_A] }]);
  const vote = voteManifest([
    { source: 1, manifest: base() },
    { source: 2, manifest: odd },
    { source: 3, manifest: base() },
  ]);
  assert.ok(vote.ok);
  assert.deepEqual(vote.agreeing, [1, 3]);
  assert.equal(manifestDigest(vote.manifest), manifestDigest(base()));
});

test('a tie between conflicting sizes fails and names the file (S8, S17)', () => {
  const other = manifest(
    base().files.map((f) => (f.path === 'game.eti' ? { ...f, size: 200 } : f)),
  );
  const vote = voteManifest([
    { source: 'b', manifest: base() },
    { source: 'c', manifest: other },
  ]);
  assert.equal(vote.ok, false);
  assert.ok(!vote.ok);
  assert.match(vote.reason, /2 sources/);
  assert.match(vote.reason, /game\.eti has 100 bytes in one and 200 in another/);
});

test('a tie where one side has an extra file names that file', () => {
  const extra = manifest([...base().files, { path: 'zz-extra.txt', size: 1, chunks: [HASH_A] }]);
  const vote = voteManifest([
    { source: 'b', manifest: base() },
    { source: 'c', manifest: extra },
  ]);
  assert.ok(!vote.ok);
  assert.match(vote.reason, /zz-extra\.txt is missing/);
});

test('a tie among the top groups fails even when a smaller group exists', () => {
  const x = manifest([{ path: 'version.ini', size: 1, chunks: [HASH_A] }]);
  const y = manifest([{ path: 'version.ini', size: 2, chunks: [HASH_A] }]);
  const z = manifest([{ path: 'version.ini', size: 3, chunks: [HASH_A] }]);
  const vote = voteManifest([
    { source: 1, manifest: x },
    { source: 2, manifest: y },
    { source: 3, manifest: x },
    { source: 4, manifest: y },
    { source: 5, manifest: z },
  ]);
  assert.ok(!vote.ok);
  assert.match(vote.reason, /5 sources/);
  assert.match(vote.reason, /2 vs 2 vs 1/);
});

test('no candidates fails', () => {
  const vote = voteManifest([]);
  assert.equal(vote.ok, false);
});
