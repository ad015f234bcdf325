/** Refuses a download that cannot fit before its first byte is written (S56). */
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LanspreadError } from '../errors.js';

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** Free bytes for us on the filesystem of `dir` (or its nearest existing parent). */
async function freeBytes(dir: string): Promise<number> {
  for (let at = dir; ; at = dirname(at)) {
    try {
      const fs = await statfs(at);
      return fs.bavail * fs.bsize;
    } catch (err) {
      if (dirname(at) === at || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

export async function assertFreeSpace(dir: string, neededBytes: number): Promise<void> {
  const free = await freeBytes(dir);
  if (free < neededBytes) {
    throw new LanspreadError(
      'insufficient-space',
      `needs ${formatBytes(neededBytes)}, only ${formatBytes(free)} free on ${dir}`,
    );
  }
}
