/** A peer process's resident memory and open descriptors, read from /proc (Linux). */
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** The process's resident memory (MB) and open descriptors. */
export async function usage(pid: number): Promise<{ rssMb: number; fds: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb / 1024), fds: (await readdir(`/proc/${pid}/fd`)).length };
}

/** The highest usage seen from construction until `stop`. */
export class UsagePeak {
  rssMb = 0;
  fds = 0;
  #stopped = false;
  readonly #loop: Promise<void>;

  constructor(pid: number) {
    this.#loop = (async () => {
      while (!this.#stopped) {
        const now = await usage(pid);
        this.rssMb = Math.max(this.rssMb, now.rssMb);
        this.fds = Math.max(this.fds, now.fds);
        await sleep(100);
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }
}
