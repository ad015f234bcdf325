import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdtemp, open, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openChunkWriter } from '../../../src/transfer/chunk-writer.js';

const MIB = 1024 * 1024;
const dir = await mkdtemp(join(tmpdir(), 'lanspread-chunk-writer-'));
after(() => rm(dir, { recursive: true, force: true }));

/** Whether the temp folder's file system takes O_DIRECT (tmpfs before Linux 6.6 does not; Windows has no flag). */
async function directWorksHere(): Promise<boolean> {
  if (constants.O_DIRECT === undefined) return false;
  const probe = join(dir, 'probe.bin');
  await writeFile(probe, '');
  try {
    await (await open(probe, constants.O_WRONLY | constants.O_DIRECT)).close();
    return true;
  } catch {
    return false;
  }
}
const direct = await directWorksHere();

/** A new file of `size` zero bytes (sparse), as a download prepares each file before its chunks. */
async function sparseFile(name: string, size: number): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, '');
  await truncate(path, size);
  return path;
}

/** Writes `bytes` at `offset` of a file of `size` in pieces of `piece` bytes, as a socket hands them over. */
async function writeInPieces(
  path: string,
  offset: number,
  bytes: Buffer,
  piece: number,
): Promise<'direct' | 'cached'> {
  const writer = await openChunkWriter(path, offset, bytes.length);
  try {
    for (let at = 0; at < bytes.length; at += piece)
      // A fresh copy each time: the writer must not keep a view of what it was given.
      await writer.write(Buffer.from(bytes.subarray(at, at + piece)));
    const sha256 = await (await writer.finish()).digest();
    assert.equal(
      sha256,
      createHash('sha256').update(bytes).digest('hex'),
      'the hash of what was written',
    );
    return writer.mode;
  } finally {
    await writer.close();
  }
}

test('chunks of every shape land at their offsets, direct where the disk allows', async () => {
  const size = 21 * MIB + 4_321;
  const want = randomBytes(size);
  const path = await sparseFile('shapes.bin', size);
  // Aligned chunks of several 4 MiB blocks, the last one short and odd; pieces that straddle
  // every block edge.
  const chunks = [
    { offset: 0, length: 9 * MIB, piece: 65_536 + 7 },
    { offset: 9 * MIB, length: 8 * MIB, piece: MIB },
    { offset: 17 * MIB, length: size - 17 * MIB, piece: 3 * MIB + 1 },
  ];
  const modes = await Promise.all(
    chunks.map((c) =>
      writeInPieces(path, c.offset, want.subarray(c.offset, c.offset + c.length), c.piece),
    ),
  );
  assert.ok((await readFile(path)).equals(want), 'the file holds exactly the bytes written');
  assert.deepEqual(
    modes,
    chunks.map(() => (direct ? 'direct' : 'cached')),
  );
});

test('a chunk shorter than the alignment, or at an unaligned offset, goes through the cache', async () => {
  const path = join(dir, 'small.bin');
  const want = randomBytes(10_000);
  await writeFile(path, Buffer.alloc(want.length));
  assert.equal(await writeInPieces(path, 0, want.subarray(0, 100), 64), 'cached');
  assert.equal(await writeInPieces(path, 100, want.subarray(100), 4_096), 'cached');
  assert.ok((await readFile(path)).equals(want));
});

test('a long cached chunk is flushed at its end, a short one is left to the flush after the commit', async () => {
  // Spy on every file handle's datasync: which chunk flushes is what this test is about.
  const probe = await open(join(dir, 'probe.bin'), 'r');
  const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
  await probe.close();
  const datasync = proto.datasync;
  let flushes = 0;
  proto.datasync = function (this: unknown) {
    flushes++;
    return datasync.call(this);
  };
  try {
    const path = join(dir, 'flushes.bin');
    const want = randomBytes(9 + 4 * MIB);
    await writeFile(path, Buffer.alloc(want.length));
    // A 9-byte file as version.ini, then 4 MiB at an unaligned offset: both through the cache.
    assert.equal(await writeInPieces(path, 0, want.subarray(0, 9), 9), 'cached');
    assert.equal(flushes, 0, 'a short chunk is not flushed');
    assert.equal(await writeInPieces(path, 9, want.subarray(9), MIB), 'cached');
    assert.equal(flushes, 1, 'a chunk of 4 MiB or more is flushed once');
    assert.ok((await readFile(path)).equals(want));
  } finally {
    proto.datasync = datasync;
  }
});

test("a chunk's first part goes on to hash the rest of the chunk from the disk", async () => {
  // As a split chunk is checked: one writer wrote [0, cut), another source's bytes lie after it.
  const length = 11 * MIB + 999;
  const chunkAt = 4 * MIB;
  const bytes = randomBytes(length);
  const path = await sparseFile('split.bin', chunkAt + length + 12_345);
  const whole = createHash('sha256').update(bytes).digest('hex');
  for (const [offset, cut] of [
    [chunkAt, 6 * MIB + 17], // aligned: direct where the disk allows
    [chunkAt + 1, 5 * MIB], // unaligned: through the cache
  ] as const) {
    const file = await open(path, 'r+');
    await file.write(bytes, cut, length - cut, offset + cut);
    await file.close();
    const writer = await openChunkWriter(path, offset, cut);
    try {
      await writer.write(Buffer.from(bytes.subarray(0, cut)));
      const head = await writer.finish();
      assert.equal(
        await head.digestWithFile(path, offset + cut, offset + length),
        whole,
        `${offset}`,
      );
    } finally {
      await writer.close();
    }
  }
  const writer = await openChunkWriter(path, chunkAt, MIB);
  try {
    await writer.write(randomBytes(MIB));
    const head = await writer.finish();
    // Past the end of the file: the hash fails rather than hash what is not there.
    await assert.rejects(
      head.digestWithFile(path, chunkAt + MIB, chunkAt + 2 * length),
      /ends before/,
    );
  } finally {
    await writer.close();
  }
});

test('a write that fails (the file is gone) rejects, and close still lets everything go', async () => {
  const path = await sparseFile('gone.bin', 4 * MIB);
  const writer = await openChunkWriter(path, 0, 4 * MIB);
  await writer.close();
  await assert.rejects(async () => {
    await writer.write(randomBytes(2 * MIB));
    await writer.finish();
  });
  await assert.rejects(openChunkWriter(join(dir, 'missing.bin'), 0, 4 * MIB), /ENOENT/);
});

test('many writers at once share the aligned blocks; those beyond them write through the cache', async () => {
  const writers = 40;
  const size = writers * MIB;
  const want = randomBytes(size);
  const path = await sparseFile('many.bin', size);
  const modes = await Promise.all(
    Array.from({ length: writers }, (_, i) =>
      writeInPieces(path, i * MIB, want.subarray(i * MIB, (i + 1) * MIB), 100_000),
    ),
  );
  assert.ok((await readFile(path)).equals(want));
  // 24 blocks, 2 a writer: 12 write directly, the others through the cache.
  if (direct)
    assert.deepEqual([modes.filter((m) => m === 'direct').length, modes.length], [12, 40]);
  else assert.ok(modes.every((m) => m === 'cached'));
});

test('the write frontier is reported in order, and what it covers is readable from the file', async () => {
  const length = 9 * MIB + 5000;
  const path = await sparseFile('frontier.bin', length);
  const bytes = randomBytes(length);
  const reported: number[] = [];
  const readable: boolean[] = [];
  const file = await open(path, 'r');
  const checks: Promise<void>[] = [];
  const writer = await openChunkWriter(path, 0, length, (n) => {
    reported.push(n);
    // What the frontier covers is on disk now: a relay reads it back at once.
    checks.push(
      (async () => {
        const back = Buffer.alloc(n);
        await file.read(back, 0, n, 0);
        readable.push(back.equals(bytes.subarray(0, n)));
      })(),
    );
  });
  try {
    for (let at = 0; at < length; at += 300_000)
      await writer.write(Buffer.from(bytes.subarray(at, at + 300_000)));
    await writer.finish();
  } finally {
    await writer.close();
  }
  await Promise.all(checks);
  await file.close();
  assert.ok(reported.length > 0, 'progress was reported');
  assert.deepEqual(
    reported,
    [...reported].sort((a, b) => a - b),
    'never backwards',
  );
  assert.ok(reported.at(-1)! >= length - 4096, `up to the unaligned tail: ${reported.at(-1)}`);
  assert.ok(readable.every(Boolean), 'every reported prefix reads back as written');
});

test('bytes read where `landing` says land in place, through every turn of the blocks', async () => {
  const length = 19 * MIB + 5000;
  const path = await sparseFile('landing.bin', length);
  const bytes = randomBytes(length);
  const writer = await openChunkWriter(path, 0, length);
  let landed = 0;
  try {
    // As a data connection does: after each read, while its bytes are not written yet, ask where
    // the next read goes; that read happens once the write has returned. Reads of all sizes,
    // some larger than a block (those go to a buffer of their own, like a read buffer's).
    const sizes = [100_000, 3 * MIB, 5 * MIB, 1, MIB - 1, 4 * MIB, 700_000];
    let position = 0;
    let next: Buffer | undefined;
    for (let i = 0; position < length; i++) {
      const size = Math.min(sizes[i % sizes.length]!, length - position);
      const into = next !== undefined && next.length >= size ? next : Buffer.alloc(size);
      if (into === next) landed++;
      bytes.copy(into, 0, position, position + size);
      const read = into.subarray(0, size);
      position += size;
      next = writer.mode === 'direct' ? writer.landing?.(position, length - position) : undefined;
      await writer.write(read);
    }
    assert.equal(
      await (await writer.finish()).digest(),
      createHash('sha256').update(bytes).digest('hex'),
    );
  } finally {
    await writer.close();
  }
  assert.ok((await readFile(path)).equals(bytes), 'the file holds exactly the bytes read');
  if (direct) assert.ok(landed >= 5, `reads landed in the blocks: ${landed}`);
});
