/**
 * Install throughput: (a) a streaming copy of a big file into a new file on the same filesystem,
 * as the baseline; (b) `installGame` with the embedded unrar unpacking a stored RAR5 archive of
 * the same bytes. Medians of several runs in alternating order, ratio b/a, and the peak RSS of
 * the process doing the install (each install runs in its own child process).
 * Usage: npm run bench -- install [GiB=2] [runs=3]
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { embeddedUnrar, packDirectory } from '../src/archive/index.js';
import { installGame } from '../src/install/index.js';
import { median } from './support/median.js';
import { writeRandomFile } from './support/random-file.js';

const MIB = 1024 * 1024;
const here = dirname(fileURLToPath(import.meta.url));

/** A game folder with one big file and a few small ones, packed into `<root>/game.eti`. */
async function buildGameRoot(dir: string, bytes: number): Promise<{ big: string; root: string }> {
  const game = join(dir, 'game');
  const root = join(dir, 'root');
  await mkdir(join(game, 'data', 'config'), { recursive: true });
  await mkdir(root);
  const big = join(game, 'data', 'big.pak');
  await writeRandomFile(big, bytes);
  await writeFile(join(game, 'readme.txt'), 'lanspread install benchmark\n');
  await writeFile(join(game, 'data', 'config', 'game.ini'), '[game]\nname=bench\n');
  await writeFile(join(game, 'data', 'small.bin'), randomBytes(256 * 1024));
  await writeFile(join(game, 'game.exe'), randomBytes(64 * 1024));
  await packDirectory(game, join(root, 'game.eti'));
  return { big, root };
}

/** Flushes earlier runs' dirty pages, so one run's writeback does not land in the next one's time. */
function syncDisks(): void {
  spawnSync('sync', { stdio: 'ignore' });
}

async function streamingCopy(src: string, dst: string): Promise<number> {
  const started = performance.now();
  await pipeline(
    createReadStream(src, { highWaterMark: MIB }),
    createWriteStream(dst, { highWaterMark: MIB }),
  );
  return performance.now() - started;
}

interface ChildReport {
  ms: number;
  bytes: number;
  files: number;
  maxRssKiB: number;
}

/** Runs one install in a fresh process: `bench/run.ts install --child ROOT`. */
async function installInChild(root: string): Promise<ChildReport> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'run.ts'), 'install', '--child', root],
    { cwd: join(here, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0) throw new Error(`install child exited with ${code}: ${last}`);
  return JSON.parse(last) as ChildReport;
}

/** The child's side: install once, report time, bytes and peak RSS as one JSON line. */
async function childMain(root: string): Promise<void> {
  const started = performance.now();
  const result = await installGame(root, embeddedUnrar, new AbortController().signal);
  const ms = performance.now() - started;
  const report: ChildReport = {
    ms,
    bytes: result.bytes,
    files: result.files,
    maxRssKiB: process.resourceUsage().maxRSS,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

export async function run(args: string[]): Promise<void> {
  if (args[0] === '--child') return childMain(args[1] ?? '');
  const gib = Number(args[0] ?? 2);
  const runs = Number(args[1] ?? 3);
  if (!(gib > 0) || !Number.isInteger(runs) || runs < 1) {
    throw new Error('usage: npm run bench -- install [GiB > 0] [runs >= 1]');
  }
  const bytes = Math.round(gib * 1024 * MIB);
  const dir = await mkdtemp(join(tmpdir(), 'lanspread-bench-install-'));
  try {
    console.log(`writing a ${gib} GiB random file and packing it (stored RAR5) …`);
    const { big, root } = await buildGameRoot(dir, bytes);
    const copy = join(dir, 'copy.bin');
    const local = join(root, 'local');

    const copyMs: number[] = [];
    const install: ChildReport[] = [];
    const baseline = async (): Promise<void> => {
      syncDisks();
      copyMs.push(await streamingCopy(big, copy));
      if ((await stat(copy)).size !== bytes) throw new Error('baseline copy is short');
      await rm(copy, { force: true });
    };
    const lanspread = async (): Promise<void> => {
      syncDisks();
      const report = await installInChild(root);
      if (report.bytes < bytes) throw new Error(`install unpacked only ${report.bytes} bytes`);
      install.push(report);
      await rm(local, { recursive: true, force: true });
    };
    for (let i = 0; i < runs; i++) {
      if (i % 2 === 0) {
        await baseline();
        await lanspread();
      } else {
        await lanspread();
        await baseline();
      }
    }

    const rate = (n: number, ms: number): number => n / MIB / (ms / 1000);
    const copyRates = copyMs.map((ms) => rate(bytes, ms));
    const installRates = install.map((r) => rate(r.bytes, r.ms));
    const a = median(copyRates);
    const b = median(installRates);
    const rss = install.map((r) => Math.round(r.maxRssKiB / 1024));
    const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');
    const unpacked = install[0]!;
    console.log(`\ninstall of ${gib} GiB (${unpacked.files} files), ${runs} runs, medians`);
    console.log(
      `  (a) streaming file copy           ${a.toFixed(0).padStart(6)} MiB/s   runs: ${fmt(copyRates)}`,
    );
    console.log(
      `  (b) lanspread install (embedded)  ${b.toFixed(0).padStart(6)} MiB/s   runs: ${fmt(installRates)}`,
    );
    console.log(`  ratio b/a ${(b / a).toFixed(2)}`);
    console.log(
      `  peak RSS of the installing process: ${Math.max(...rss)} MiB   runs: ${fmt(rss)}`,
    );
    console.log(
      '  note: sources were just written, so reads are likely from the page cache; neither side\n' +
        '  fsyncs its output (sync runs between measurements, outside the timings).',
    );
    console.log(`  reproduce: npm run bench -- install ${gib} ${runs}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
