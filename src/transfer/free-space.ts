/** Refuses a download that cannot fit before its first byte is written (S56). */
import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LanspreadError, errorMessage } from '../errors.js';
import { formatBytes } from '../human-units.js';

/** Free bytes for us (not root's reserve) on the filesystem of `dir` or its nearest existing parent. */
export async function freeBytes(dir: string): Promise<number> {
  for (let at = resolve(dir); ; at = dirname(at)) {
    try {
      const fs = await statfs(at);
      return fs.bavail * fs.bsize;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const missing = code === 'ENOENT' || code === 'ENOTDIR';
      if (!missing || dirname(at) === at) {
        throw new LanspreadError(
          'games-dir-unusable',
          `cannot tell the free space on ${dir}: ${errorMessage(err)}`,
          { cause: err },
        );
      }
    }
  }
}

/** Throws `insufficient-space` when `neededBytes` do not fit on the filesystem of `dir`. */
export async function assertFreeSpace(dir: string, neededBytes: number): Promise<void> {
  const free = await freeBytes(dir);
  if (free < neededBytes) {
    throw new LanspreadError(
      'insufficient-space',
      `needs ${formatBytes(neededBytes)}, ${formatBytes(free)} free on ${dir}`,
      { details: { needed_bytes: neededBytes, free_bytes: free } },
    );
  }
}
