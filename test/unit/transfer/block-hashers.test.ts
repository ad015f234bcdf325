import assert from 'node:assert/strict';
import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BlockHashers } from '../../../src/transfer/block-hashers.js';

const MIB = 1024 * 1024;

test('sessions hash their ranges in order, in workers or on this thread alike, side by side', async () => {
  const memory = new SharedArrayBuffer(8 * MIB);
  const bytes = new Uint8Array(memory);
  randomFillSync(bytes);
  const ranges: [number, number][] = [
    [0, MIB],
    [3 * MIB, 2 * MIB + 17],
    [MIB, 5],
  ];
  const want = createHash('sha256');
  for (const [offset, length] of ranges) want.update(bytes.subarray(offset, offset + length));
  const expected = want.digest('hex');
  for (const workers of [0, 2]) {
    const hashers = new BlockHashers(memory, workers);
    // Three sessions at once: each keeps its own state, whichever worker it landed on.
    const sessions = [hashers.session(), hashers.session(), hashers.session()];
    await Promise.all(
      sessions.map(async (s) => {
        for (const [offset, length] of ranges) await s.update(offset, length);
      }),
    );
    const digests = await Promise.all(sessions.map((s) => s.digest()));
    assert.deepEqual(digests, [expected, expected, expected], `${workers} workers`);
    const empty = hashers.session();
    assert.equal(await empty.digest(), createHash('sha256').digest('hex'));
  }
});

test('a range outside the memory fails the session with hash-failed, and the next session works', async () => {
  const memory = new SharedArrayBuffer(MIB);
  const hashers = new BlockHashers(memory, 1);
  await assert.rejects(
    hashers.session().update(MIB - 10, 100),
    (err: Error & { code?: string }) => err.code === 'hash-failed',
  );
  const next = hashers.session();
  await next.update(0, 10);
  assert.equal(
    await next.digest(),
    createHash('sha256')
      .update(new Uint8Array(memory, 0, 10))
      .digest('hex'),
  );
});

test('a session goes on over bytes read back from a file, in workers or on this thread alike', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lanspread-block-hashers-'));
  try {
    const memory = new SharedArrayBuffer(MIB);
    randomFillSync(new Uint8Array(memory));
    const file = randomBytes(9 * MIB + 3);
    const path = join(dir, 'rest.bin');
    await writeFile(path, file);
    const expected = createHash('sha256')
      .update(new Uint8Array(memory, 0, 1000))
      .update(file.subarray(17, 9 * MIB))
      .digest('hex');
    for (const workers of [0, 1]) {
      const hashers = new BlockHashers(memory, workers);
      // Two at once on one worker: each reads with a buffer of its own.
      const sessions = [hashers.session(), hashers.session()];
      for (const s of sessions) await s.update(0, 1000);
      assert.deepEqual(
        await Promise.all(sessions.map((s) => s.digestWithFile(path, 17, 9 * MIB))),
        [expected, expected],
        `${workers} workers`,
      );
      // A file that is not there fails that hash only: the worker goes on with the next.
      await assert.rejects(
        hashers.session().digestWithFile(join(dir, 'gone.bin'), 0, 10),
        (err: Error & { code?: string }) => err.code === (workers === 0 ? 'ENOENT' : 'hash-failed'),
      );
      const next = hashers.session();
      await next.update(0, 1000);
      assert.equal(await next.digestWithFile(path, 17, 9 * MIB), expected);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
