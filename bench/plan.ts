/**
 * Archive planning (issue 16): a game root whose archive holds 40,000 files and 40,000 copies
 * of them (RAR5 file-copy entries), planned by the built `dist/` in a fresh process per run, as
 * an install or a served stream plans it. Beside it, the same 40,000 files without the copies
 * (the baseline: copies should cost no more than files) and a plain read of the bigger
 * archive's bytes (the floor). Medians of several runs in alternating order.
 * Usage: npm run bench -- plan [runs=7] (after `npm run build`, which `npm run bench` does)
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeStoredRar5, type Rar5SourceEntry } from '../src/archive/index.js';

const FILES = 40_000;
const here = dirname(fileURLToPath(import.meta.url));
const dist = pathToFileURL(join(here, '..', 'dist', 'archive', 'index.js')).href;

/** Writes a game root holding `game.eti`: FILES one-byte files, and a copy of each if asked. */
async function gameRoot(at: string, copies: boolean): Promise<string> {
  const mtime = new Date('2025-01-01T00:00:00Z');
  const entries: Rar5SourceEntry[] = [];
  for (let i = 0; i < FILES; i++) {
    entries.push({ name: `f/${i}.txt`, kind: 'file', mtime, source: { bytes: Buffer.from('x') } });
  }
  if (copies) {
    for (let i = 0; i < FILES; i++) {
      entries.push({ name: `c/${i}.txt`, kind: 'file-copy', mtime, target: `f/${i}.txt` });
    }
  }
  await mkdir(at);
  await writeStoredRar5(join(at, 'game.eti'), entries);
  return at;
}

/** What one child does with the root, timed inside it after its imports. */
const TASKS = {
  plan: `const { planRootArchives } = await import(${JSON.stringify(dist)});
    const t = performance.now(); const [p] = await planRootArchives(root);
    if (p.files.length !== ${FILES}) throw new Error('short plan');`,
  read: `const { readFile } = await import('node:fs/promises');
    const t = performance.now(); await readFile(root + '/game.eti');`,
};

/** Runs a task in a fresh node process and returns its milliseconds. */
async function timed(task: keyof typeof TASKS, root: string): Promise<number> {
  const code = `const root = ${JSON.stringify(root)}; ${TASKS[task]}
    console.log(performance.now() - t);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exit = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (exit !== 0) throw new Error(`${task} child exited with ${exit}`);
  return Number(out.trim());
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(args: string[]): Promise<void> {
  const runs = Number(args[0] ?? 7);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error('usage: npm run bench -- plan [runs >= 1]');
  const dir = await mkdtemp(join(tmpdir(), 'lanspread-bench-plan-'));
  try {
    const withCopies = await gameRoot(join(dir, 'copies'), true);
    const filesOnly = await gameRoot(join(dir, 'files'), false);
    const times = { read: [] as number[], files: [] as number[], copies: [] as number[] };
    for (let i = 0; i < runs; i++) {
      const order = [
        async () => times.read.push(await timed('read', withCopies)),
        async () => times.files.push(await timed('plan', filesOnly)),
        async () => times.copies.push(await timed('plan', withCopies)),
      ];
      for (const step of i % 2 === 0 ? order : order.reverse()) await step();
    }
    const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');
    const row = (what: string, xs: number[]): string =>
      `  ${what.padEnd(44)} ${median(xs).toFixed(0).padStart(6)} ms   runs: ${fmt(xs)}`;
    console.log(`\narchive planning from dist/, a fresh process per run, ${runs} runs, medians`);
    console.log(row('(a) readFile of the 40k+40k archive (floor)', times.read));
    console.log(row(`(b) plan ${FILES / 1000}k files`, times.files));
    console.log(row(`(c) plan ${FILES / 1000}k files + ${FILES / 1000}k copies`, times.copies));
    console.log(`  ratio c/b ${(median(times.copies) / median(times.files)).toFixed(2)}`);
    console.log(`  reproduce: npm run bench -- plan ${runs}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
