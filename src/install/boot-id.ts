/** Which boot of the system this is: a flush cut short by a crash of ours, not of the system, is still in its cache. */
import { readFile } from 'node:fs/promises';

/** Linux's boot id; null where the system does not tell (Windows). */
export async function systemBootId(): Promise<string | null> {
  if (process.platform !== 'linux') return null;
  try {
    return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim() || null;
  } catch {
    return null;
  }
}
