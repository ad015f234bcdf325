import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GameId, GameVersion } from '../../../src/ids.js';
import type { Manifest } from '../../../src/protocol/index.js';
import { chunkKey, planChunks } from '../../../src/transfer/chunk-planner.js';

const CHUNK = 64 * 1024;
const h = (n: number): string => n.toString(16).padStart(64, '0');

const manifest: Manifest = {
  t: 'manifest',
  game: 'cnctw' as GameId,
  version: '20250101' as GameVersion,
  chunk_size: CHUNK,
  files: [
    { path: 'version.ini', size: 9, chunks: [h(1)] },
    { path: 'b/big.eti', size: 2 * CHUNK + 5, chunks: [h(2), h(3), h(4)] },
    { path: 'empty.txt', size: 0, chunks: [] },
    { path: 'a.eti', size: CHUNK, chunks: [h(5)] },
  ],
};

test('plans every chunk of every non-empty file, by path then offset', () => {
  const tasks = planChunks(manifest);
  assert.deepEqual(
    tasks.map((t) => [t.key, t.length, t.sha256]),
    [
      ['a.eti@0', CHUNK, h(5)],
      [`b/big.eti@0`, CHUNK, h(2)],
      [`b/big.eti@${CHUNK}`, CHUNK, h(3)],
      [`b/big.eti@${2 * CHUNK}`, 5, h(4)],
      ['version.ini@0', 9, h(1)],
    ],
  );
  assert.equal(
    tasks.some((t) => t.path === 'empty.txt'),
    false,
  );
  const big = tasks.filter((t) => t.path === 'b/big.eti');
  assert.deepEqual(
    big.map((t) => t.offset),
    [0, CHUNK, 2 * CHUNK],
  );
});

test('skips the chunks already verified (resume)', () => {
  const skip = new Set([chunkKey('b/big.eti', CHUNK), chunkKey('version.ini', 0)]);
  const keys = planChunks(manifest, skip).map((t) => t.key);
  assert.deepEqual(keys, ['a.eti@0', 'b/big.eti@0', `b/big.eti@${2 * CHUNK}`]);
});

test('the chunk lengths add up to the file sizes', () => {
  const total = planChunks(manifest).reduce((sum, t) => sum + t.length, 0);
  assert.equal(
    total,
    manifest.files.reduce((sum, f) => sum + f.size, 0),
  );
});
