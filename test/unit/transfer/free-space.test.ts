import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LanspreadError } from '../../../src/errors.js';
import { assertFreeSpace, formatBytes } from '../../../src/transfer/free-space.js';

test('a need of one byte passes', async () => {
  await assertFreeSpace(tmpdir(), 1);
});

test('a need of one EiB throws insufficient-space in human units (S56)', async () => {
  await assert.rejects(assertFreeSpace(tmpdir(), 1024 ** 6), (err: unknown) => {
    assert.ok(err instanceof LanspreadError);
    assert.equal(err.code, 'insufficient-space');
    assert.match(err.message, /needs 1\.0 EiB, .* free on /);
    return true;
  });
});

test('a folder that does not exist yet is measured at its nearest existing parent', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lanspread-space-'));
  try {
    await assertFreeSpace(join(dir, 'games', 'cnctw'), 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('formats bytes in binary units', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(2 * 1024 ** 3), '2.0 GiB');
  assert.equal(formatBytes(1024 ** 2 - 1), '1.0 MiB');
  assert.equal(formatBytes(1024 ** 6), '1.0 EiB');
});
