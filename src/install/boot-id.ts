/** Which boot of the system this is: a flush cut short by a crash of ours, not of the system, is still in its cache. */
import { readFile } from 'node:fs/promises';
import { uptime } from 'node:os';

/**
 * Linux's boot id; elsewhere (Windows) the boot's time, to 2 s: a restart takes longer than that,
 * so two boots never share it. A clock set meanwhile only makes one boot look like two, which
 * costs a re-check of the download, never its bytes. Null when neither can be read.
 */
export async function systemBootId(): Promise<string | null> {
  if (process.platform === 'linux') {
    try {
      return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim() || null;
    } catch {
      return null;
    }
  }
  const seconds = uptime();
  if (!(seconds > 0)) return null;
  return `booted-at-${Math.round((Date.now() / 1000 - seconds) / 2) * 2}`;
}
