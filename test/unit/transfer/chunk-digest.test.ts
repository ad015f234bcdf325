import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, test } from 'node:test';
import { LanspreadError } from '../../../src/errors.js';
import { closeDigestPool, startChunkDigest } from '../../../src/transfer/chunk-digest.js';

after(async () => {
  await closeDigestPool();
});

const sha = (...parts: Buffer[]): string => {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  return hash.digest('hex');
};

/** A buffer that is a whole ArrayBuffer of its own, as the frame decoder's data payloads are. */
function pattern(length: number, seed: number): Buffer {
  const b = Buffer.from(new ArrayBuffer(length));
  for (let i = 0; i < length; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
}

test('digests whole buffers and slices, in order, several digests at once', async () => {
  const pieces = [0, 1, 2].map((d) => [
    pattern(1024 * 1024, d),
    pattern(77, d + 10),
    pattern(5000, d + 20),
  ]);
  const expected = pieces.map((p) => sha(...p.map((b) => Buffer.from(b))));
  const digests = pieces.map(() => startChunkDigest());
  // Interleaved: each digest keeps its own order whatever worker it landed on.
  for (let i = 0; i < 3; i++) {
    await Promise.all(
      digests.map((digest, d) => {
        const piece = pieces[d]![i]!;
        // The middle piece as a slice of a larger buffer: copied, not moved.
        if (i !== 1) return digest.update(piece);
        const big = Buffer.alloc(piece.length + 20);
        piece.copy(big, 10);
        return digest.update(big.subarray(10, 10 + piece.length));
      }),
    );
  }
  assert.deepEqual(await Promise.all(digests.map((d) => d.finish())), expected);
});

test('a whole buffer is moved to the worker and comes back with its bytes; a slice stays', async () => {
  const bytes = pattern(256 * 1024, 1);
  const copy = Buffer.from(bytes);
  const digest = startChunkDigest();
  const pending = digest.update(bytes);
  assert.equal(bytes.length, 0, 'moved, not copied');
  const back = await pending;
  assert.ok(back.equals(copy));
  // The caller may fill it again: the digest has taken its bytes already.
  back.fill(9);
  const slice = Buffer.alloc(100, 7).subarray(10, 60);
  assert.equal(await digest.update(slice), slice);
  assert.equal(slice.length, 50);
  assert.equal(await digest.finish(), sha(copy, Buffer.alloc(50, 7)));
});

test('an empty digest is the SHA-256 of nothing; a finished digest takes nothing more', async () => {
  const digest = startChunkDigest();
  assert.equal(await digest.finish(), sha());
  const isHashFailed = (err: unknown): boolean =>
    err instanceof LanspreadError && err.code === 'hash-failed';
  await assert.rejects(digest.update(Buffer.from('late')), isHashFailed);
  await assert.rejects(digest.finish(), isHashFailed);
  digest.abandon();
});

test('an abandoned digest leaves the workers fit for the next ones; a closed pool starts anew', async () => {
  const dropped = startChunkDigest();
  await dropped.update(pattern(1000, 3));
  dropped.abandon();
  const next = startChunkDigest();
  await next.update(pattern(10, 4));
  assert.equal(await next.finish(), sha(pattern(10, 4)));
  await closeDigestPool();
  const again = startChunkDigest();
  await again.update(pattern(10, 5));
  assert.equal(await again.finish(), sha(pattern(10, 5)));
});
