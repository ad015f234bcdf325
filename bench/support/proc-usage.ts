/** CPU time and peak memory of processes, read from Linux's /proc. */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

const CLOCK_TICKS = ((): number => {
  const n = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim());
  return Number.isInteger(n) && n > 0 ? n : 100;
})();

/** Fields of /proc/PID/stat after the command name (which may hold spaces): state is [0]. */
async function statFields(pid: number | 'self'): Promise<string[]> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * CPU seconds (user + system, all threads) a running process has used so far, with those of its
 * children it has waited for.
 */
export async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) throw new Error('no pid');
  const f = await statFields(pid);
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLOCK_TICKS;
}

/**
 * CPU seconds of this process's children that have exited and been reaped: the way to measure a
 * short-lived child (its /proc entry is gone once it exits), by reading this before and after it
 * while no other child exits.
 */
export async function reapedChildrenCpuSeconds(): Promise<number> {
  const f = await statFields('self');
  return (Number(f[13]) + Number(f[14])) / CLOCK_TICKS;
}

/** Peak resident set (VmHWM) of a running process, in MB (10^6 bytes). */
export async function peakRssMB(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return (kib * 1024) / 1e6;
}
