/**
 * `npm run bench -- executables [runs]` (after `npm run dist`): the size of each executable and
 * its start-up time — process start to the `lanspread UI:` line of `serve` on an empty games
 * folder — against Node running dist/ in the same run (the baseline); the Windows one under Wine.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  WIN_EXE,
  prepareWinePrefix,
  startUnderWine,
  stopWine,
  winPath,
} from '../test/executables/wine.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const LINUX_EXE = fileURLToPath(new URL('../release/lanspread-linux-x64', import.meta.url));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function serveArgs(dir: string, path: (p: string) => string): string[] {
  return [
    'serve',
    '--games',
    path(join(dir, 'games')),
    '--state',
    path(join(dir, 'state')),
    '--ui',
    '127.0.0.1:0',
    '--listen',
    '127.0.0.1:0',
    '--no-mdns',
    '--no-share',
  ];
}

/** Milliseconds from spawn to the UI line on stdout (a file: Wine's console cannot write a pipe). */
async function startUp(
  start: (stdout: string, stderr: string) => { kill: () => void },
  dir: string,
): Promise<number> {
  const stdout = join(dir, 'stdout.log');
  const began = performance.now();
  const child = start(stdout, join(dir, 'stderr.log'));
  try {
    for (;;) {
      const text = await readFile(stdout, 'utf8').catch(() => '');
      if (text.includes('lanspread UI:')) return performance.now() - began;
      if (performance.now() - began > 60_000) throw new Error(`no UI line; see ${dir}`);
      await sleep(5);
    }
  } finally {
    child.kill();
  }
}

function spawnTo(
  command: string,
  args: string[],
  stdout: string,
  stderr: string,
  env: NodeJS.ProcessEnv,
) {
  // The shell execs the program, so the pid we kill is the program's, as under Wine.
  return spawn('/bin/sh', ['-c', `exec "$0" "$@" >"${stdout}" 2>"${stderr}"`, command, ...args], {
    env,
  });
}

export async function run(args: string[]): Promise<void> {
  const runs = Number(args[0] ?? 5);
  for (const file of [CLI, LINUX_EXE, WIN_EXE]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: npm run dist`);
  }
  const lab = await mkdtemp(join(tmpdir(), 'lanspread-bench-exe-'));
  const prefix = join(lab, 'wineprefix');
  prepareWinePrefix(prefix);
  const times: Record<'node' | 'linux' | 'wine', number[]> = { node: [], linux: [], wine: [] };
  try {
    for (let i = 0; i < runs; i++) {
      const dir = (name: string): Promise<string> => mkdtemp(join(lab, `${name}-`));
      const nodeDir = await dir('node');
      times.node.push(
        await startUp(
          (out, err) =>
            spawnTo(
              process.execPath,
              [CLI, ...serveArgs(nodeDir, (p) => p)],
              out,
              err,
              process.env,
            ),
          nodeDir,
        ),
      );
      const linuxDir = await dir('linux');
      times.linux.push(
        await startUp(
          (out, err) =>
            spawnTo(
              LINUX_EXE,
              serveArgs(linuxDir, (p) => p),
              out,
              err,
              {},
            ),
          linuxDir,
        ),
      );
      const wineDir = await dir('wine');
      times.wine.push(
        await startUp((out, err) => {
          startUnderWine(prefix, serveArgs(wineDir, winPath), out, err);
          return {
            kill: () => {
              stopWine(prefix);
            },
          };
        }, wineDir),
      );
    }
  } finally {
    stopWine(prefix);
    await rm(lab, { recursive: true, force: true });
  }
  const mib = (file: string): string => `${(statSync(file).size / 1048576).toFixed(1)} MiB`;
  const base = median(times.node);
  const line = (name: string, values: number[]): string =>
    `  ${name}: median ${median(values).toFixed(0)} ms (runs ${values.map((v) => v.toFixed(0)).join(', ')}), ${(median(values) / base).toFixed(2)}× the baseline`;
  console.log(`executables: start-up to the UI line of serve, ${runs} runs each`);
  console.log(line('(a) baseline: node dist/cli/main.js', times.node));
  console.log(
    `${line('(b) release/lanspread-linux-x64 (env -i)', times.linux)}; size ${mib(LINUX_EXE)}`,
  );
  console.log(
    `${line('(c) release/lanspread-win-x64.exe under Wine', times.wine)}; size ${mib(WIN_EXE)}`,
  );
}
