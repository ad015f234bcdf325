/** Big incompressible files for the benchmarks to move. */
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';

const BLOCK = 16 * 1024 * 1024;

/** Incompressible bytes, fast: one random block, each copy stamped with its index and fresh random bytes. */
export async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const block = randomBytes(BLOCK);
  const fh = await open(path, 'wx');
  try {
    for (let done = 0, i = 0; done < bytes; done += BLOCK, i++) {
      block.writeUInt32LE(i, 0);
      randomBytes(60).copy(block, 4);
      const n = Math.min(BLOCK, bytes - done);
      for (let off = 0; off < n;) off += (await fh.write(block, off, n - off)).bytesWritten;
    }
  } finally {
    await fh.close();
  }
}
