import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LanspreadError } from '../../../src/errors.js';
import { assertFreeSpace } from '../../../src/transfer/free-space.js';

test('a need of one byte passes', async () => {
  await assertFreeSpace(tmpdir(), 1);
});

test('a need of one EiB throws insufficient-space in human units (S56)', async () => {
  await assert.rejects(assertFreeSpace(tmpdir(), 1024 ** 6), (err: unknown) => {
    assert.ok(err instanceof LanspreadError);
    assert.equal(err.code, 'insufficient-space');
    assert.match(err.message, /needs 1\.00 EiB, .* free on /);
    assert.equal(err.details?.needed_bytes, 1024 ** 6);
    assert.ok((err.details?.free_bytes ?? -1) >= 0);
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
