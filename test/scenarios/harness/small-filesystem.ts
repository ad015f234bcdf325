/** A small tmpfs for full-disk scenarios; needs root (CI and dev machines here run as root). */
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';

export async function mountSmallFilesystem(dir: string, mib: number): Promise<() => void> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'this scenario mounts a tmpfs and must run as root (CI does); no fault-injection fallback exists',
    );
  }
  await mkdir(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mib}m`, 'tmpfs', dir]);
  return () => {
    execFileSync('umount', ['-l', dir]);
  };
}
