/** Times scanLibrary over 1,000 game roots against a plain recursive walk of the same tree. */
import { mkdir, mkdtemp, readdir, lstat, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCatalog, writeCatalogFile } from '../src/catalog/index.js';
import { scanLibrary } from '../src/library/index.js';
import { silentLogger } from '../src/logger.js';

const RUNS = 7;

export async function run(args: string[]): Promise<void> {
  const roots = Number(args[0] ?? 1000);
  if (!Number.isInteger(roots) || roots < 1)
    throw new RangeError(`bad root count ${String(args[0])}`);
  const base = await mkdtemp(join(tmpdir(), 'lanspread-bench-scan-'));
  try {
    const games = join(base, 'games');
    const ids = Array.from({ length: roots }, (_, i) => `game${String(i).padStart(5, '0')}`);
    const catalogFile = join(base, 'catalog.db');
    await writeCatalogFile(
      catalogFile,
      ids.map((id) => ({ id, name: id, version: '20250101' })),
    );
    const catalog = await openCatalog(catalogFile);
    await buildTree(games, ids);

    const timings = { scan: [] as number[], walk: [] as number[], du: [] as number[] };
    // One untimed pass of each warms the dentry cache, so the first timed run is not an outlier.
    await scanLibrary(games, catalog, silentLogger, new Set());
    await readdir(games, { recursive: true });
    await duWalk(games);
    // Interleaved so that cache state and machine noise hit each side alike.
    for (let i = 0; i < RUNS; i++) {
      const scanned = await timed(timings.scan, () =>
        scanLibrary(games, catalog, silentLogger, new Set()),
      );
      if (scanned.length !== roots)
        throw new Error(`scan found ${scanned.length} roots, expected ${roots}`);
      await timed(timings.walk, () => readdir(games, { recursive: true }));
      await timed(timings.du, () => duWalk(games));
    }

    const scan = summary(timings.scan);
    const rows: [string, Summary][] = [
      ['scanLibrary', scan],
      ['baseline: readdir recursive', summary(timings.walk)],
      ['baseline: readdir + lstat all', summary(timings.du)],
    ];
    console.log(
      `library-scan: ${roots} game roots, ${RUNS} runs each (interleaved), node ${process.version}\n`,
    );
    console.log(
      `${'what'.padEnd(31)}${'median ms'.padStart(11)}${'min ms'.padStart(9)}${'max ms'.padStart(9)}${'roots/s'.padStart(10)}${'scan / this'.padStart(13)}`,
    );
    for (const [name, s] of rows) {
      console.log(
        `${name.padEnd(31)}${s.median.toFixed(1).padStart(11)}${s.min.toFixed(1).padStart(9)}${s.max.toFixed(1).padStart(9)}${Math.round(
          (roots / s.median) * 1000,
        )
          .toString()
          .padStart(10)}${(scan.median / s.median).toFixed(2).padStart(13)}`,
      );
    }
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

/** Each root: version.ini, an archive, notes; every third root also an installed local/. */
async function buildTree(games: string, ids: readonly string[]): Promise<void> {
  await mkdir(games);
  await Promise.all(
    ids.map(async (id, i) => {
      const root = join(games, id);
      await mkdir(root);
      await writeFile(join(root, 'version.ini'), '20250101\r\n');
      await writeFile(join(root, `${id}.eti`), 'Rar!\x1a\x07\x01\x00');
      await writeFile(join(root, 'notes.txt'), `notes for ${id}\n`);
      if (i % 3 === 0) {
        await mkdir(join(root, 'local'));
        await writeFile(join(root, 'local', 'game.exe'), 'MZ');
        await writeFile(join(root, 'local', 'game.cfg'), 'fullscreen=1\n');
      }
    }),
  );
}

/** What `du` does: every folder read, every entry lstat-ed, sequentially per folder. */
async function duWalk(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await duWalk(path);
    else total += (await lstat(path)).size;
  }
  return total;
}

async function timed<T>(into: number[], task: () => Promise<T>): Promise<T> {
  const start = process.hrtime.bigint();
  const result = await task();
  into.push(Number(process.hrtime.bigint() - start) / 1e6);
  return result;
}

interface Summary {
  median: number;
  min: number;
  max: number;
}

function summary(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)]!,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
  };
}
