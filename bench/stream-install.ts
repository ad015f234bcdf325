/**
 * Streamed install vs download + install: a source peer serves a game whose root holds one stored
 * RAR5 archive of incompressible data; a fresh receiver peer either (a) runs `download` with
 * `install: true` (keeps the archive and unpacks it next to it) or (b) runs `stream-install` (the
 * source unpacks, the receiver writes only `local/`). For each: wall time (medians of runs in
 * alternating order), MiB/s of installed bytes, the receiver's peak and final disk use for the
 * game, and the receiver's peak RSS. Separate processes on loopback.
 * Usage: npm run bench -- stream-install [GiB=2] [runs=3]
 *
 * Disk use is the sum of st_blocks * 512 over every file under the receiver's games folder (a
 * recursive lstat walk, about every 100 ms and once at the end), i.e. what `du` reports. That
 * counts only allocated blocks: the downloader creates its files at full size with `truncate`,
 * which is sparse, so the apparent size would overstate it. ext4 includes blocks reserved for
 * delayed allocation in st_blocks, so dirty, unwritten pages are counted too. A `statfs`
 * free-space delta was not used: it counts every writer on the filesystem (other processes,
 * the bench's own logs), and other work may run on this machine meanwhile.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packDirectory } from '../src/archive/index.js';
import { PeerProcess } from '../test/scenarios/harness/peer-process.js';
import { LivePeers } from './live-peers.js';
import { median } from './support/median.js';
import { writeRandomFile } from './support/random-file.js';

const MIB = 1024 * 1024;
const GAME = 'cnctw';
const VERSION = '20250101';
const OP_TIMEOUT_MS = 30 * 60_000;
const SAMPLE_MS = 100;

/** The source's game root: `<games>/cnctw/{cnctw.eti, version.ini}`, the archive holding one big file and a few small ones. */
async function buildSourceRoot(dir: string, games: string, bytes: number): Promise<void> {
  const game = join(dir, 'build');
  const root = join(games, GAME);
  await mkdir(join(game, 'data', 'config'), { recursive: true });
  await mkdir(root, { recursive: true });
  await writeRandomFile(join(game, 'data', 'big.pak'), bytes);
  await writeFile(join(game, 'readme.txt'), 'lanspread stream-install benchmark\n');
  await writeFile(join(game, 'data', 'config', 'game.ini'), '[game]\nname=bench\n');
  await writeFile(join(game, 'data', 'small.bin'), randomBytes(256 * 1024));
  await writeFile(join(game, 'game.exe'), randomBytes(64 * 1024));
  await packDirectory(game, join(root, `${GAME}.eti`));
  await writeFile(join(root, 'version.ini'), `${VERSION}\n`);
  await rm(game, { recursive: true, force: true });
}

interface DiskUse {
  /** Allocated bytes: sum of st_blocks * 512. */
  allocated: number;
  /** Apparent bytes: sum of st_size over regular files. */
  apparent: number;
}

/** A `du`-like walk; entries that vanish mid-walk (staging renamed, temp files) are skipped. */
async function diskUse(dir: string): Promise<DiskUse> {
  const use: DiskUse = { allocated: 0, apparent: 0 };
  const walk = async (path: string): Promise<void> => {
    const st = await lstat(path).catch(() => null);
    if (st === null) return;
    use.allocated += st.blocks * 512;
    if (st.isFile()) use.apparent += st.size;
    if (!st.isDirectory()) return;
    const names = await readdir(path).catch(() => [] as string[]);
    for (const name of names) await walk(join(path, name));
  };
  await walk(dir);
  return use;
}

/** Samples `diskUse(dir).allocated` about every 100 ms until stopped; resolves with the peak. */
function sampleDisk(dir: string): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async (): Promise<void> => {
    while (running) {
      const started = performance.now();
      peak = Math.max(peak, (await diskUse(dir)).allocated);
      const wait = SAMPLE_MS - (performance.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    async stop(): Promise<number> {
      running = false;
      await loop;
      return Math.max(peak, (await diskUse(dir)).allocated);
    },
  };
}

async function peakRssMiB(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round(kib / 1024);
}

/** Flushes earlier runs' dirty pages, so one run's writeback does not land in the next one's time. */
function syncDisks(): void {
  spawnSync('sync', { stdio: 'ignore' });
}

type Mode = 'download' | 'stream';

interface Measurement {
  ms: number;
  /** Bytes of regular files under the receiver's `local/` at the end. */
  installed: number;
  peakDisk: number;
  finalDisk: number;
  rssMiB: number;
}

/** Every peer started, so that any exit path can stop them. */
const live = new LivePeers();

async function startPeer(root: string, name: string): Promise<PeerProcess> {
  const peer = await PeerProcess.start({
    name,
    games: join(root, name, 'games'),
    state: join(root, name, 'state'),
    stderrFile: join(root, `${name}.log`),
    extraArgs: ['--log-level', 'warn'],
  });
  live.add(peer);
  return peer;
}

/** One fresh receiver (own games and state folders) runs one operation against the source. */
async function measure(
  root: string,
  source: PeerProcess,
  mode: Mode,
  name: string,
): Promise<Measurement> {
  const receiver = await startPeer(root, name);
  const games = join(root, name, 'games');
  try {
    await receiver.cmd('connect', { addr: source.addr });
    const disk = sampleDisk(games);
    const started = performance.now();
    let streamed: number | undefined;
    let ms: number;
    let peakDisk: number;
    try {
      if (mode === 'download') {
        await receiver.cmd('download', { game: GAME, install: true }, OP_TIMEOUT_MS);
      } else {
        const r = await receiver.cmd<{ bytes: number }>(
          'stream-install',
          { game: GAME },
          OP_TIMEOUT_MS,
        );
        streamed = r.bytes;
      }
      ms = performance.now() - started;
    } finally {
      // Stopped on every path, so no sampler outlives its operation.
      peakDisk = await disk.stop();
    }
    const rssMiB = await peakRssMiB(receiver.pid);
    const finalDisk = (await diskUse(games)).allocated;
    const installed = (await diskUse(join(games, GAME, 'local'))).apparent;
    if (streamed !== undefined && streamed !== installed) {
      console.warn(`  note: stream-install answered ${streamed} bytes, local/ holds ${installed}`);
    }
    return { ms, installed, peakDisk, finalDisk, rssMiB };
  } finally {
    await live.stop(receiver);
    await rm(join(root, name), { recursive: true, force: true });
    await rm(join(root, `${name}.log`), { force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  const gib = Number(args[0] ?? 2);
  const runs = Number(args[1] ?? 3);
  if (!(gib > 0) || !Number.isInteger(runs) || runs < 1) {
    throw new Error('usage: npm run bench -- stream-install [GiB > 0] [runs >= 1]');
  }
  const bytes = Math.round(gib * 1024 * MIB);
  const root = await mkdtemp(join(tmpdir(), 'lanspread-bench-stream-install-'));
  // Ctrl-C or a kill: stop the peers and remove the temp folder before exiting.
  const onSignal = (signal: NodeJS.Signals): void => {
    live.killAll();
    rmSync(root, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    console.log(`writing a ${gib} GiB random file and packing it (stored RAR5) …`);
    await buildSourceRoot(root, join(root, 'source', 'games'), bytes);
    const source = await startPeer(root, 'source');
    const archive = (await lstat(join(root, 'source', 'games', GAME, `${GAME}.eti`))).size;

    // Warm the source's hash cache (the first manifest hashes the archive once), outside the timings.
    console.log('warming the source (first manifest) …');
    await measure(root, source, 'download', 'warmup');

    const results: Record<Mode, Measurement[]> = { download: [], stream: [] };
    const once = async (mode: Mode, i: number): Promise<void> => {
      syncDisks();
      const m = await measure(root, source, mode, `${mode}-${i}`);
      console.log(
        `  run ${i} ${mode === 'download' ? '(a) download+install' : '(b) stream-install  '}` +
          `  ${(m.ms / 1000).toFixed(1)} s, peak disk ${(m.peakDisk / MIB).toFixed(0)} MiB,` +
          ` RSS ${m.rssMiB} MiB`,
      );
      if (m.installed < bytes) throw new Error(`${mode} installed only ${m.installed} bytes`);
      results[mode].push(m);
    };
    for (let i = 1; i <= runs; i++) {
      if (i % 2 === 1) {
        await once('download', i);
        await once('stream', i);
      } else {
        await once('stream', i);
        await once('download', i);
      }
    }
    const sourceRss = await peakRssMiB(source.pid);
    await live.stop(source);

    interface Summary {
      ms: number;
      rate: number;
      peakDisk: number;
      finalDisk: number;
      rss: number;
    }
    const summary = (ms: Measurement[]): Summary => ({
      ms: median(ms.map((m) => m.ms)),
      rate: median(ms.map((m) => m.installed / MIB / (m.ms / 1000))),
      peakDisk: median(ms.map((m) => m.peakDisk)),
      finalDisk: median(ms.map((m) => m.finalDisk)),
      rss: Math.max(...ms.map((m) => m.rssMiB)),
    });
    const a = summary(results.download);
    const b = summary(results.stream);
    const installed = results.stream[0]!.installed;
    const mib = (n: number): string => (n / MIB).toFixed(0);
    const runList = (ms: Measurement[], f: (m: Measurement) => string): string =>
      ms.map(f).join(', ');
    const row = (label: string, s: Summary, ms: Measurement[]): void => {
      console.log(
        `  ${label}  ${(s.ms / 1000).toFixed(1).padStart(6)} s  ${s.rate.toFixed(0).padStart(5)} MiB/s` +
          `  peak disk ${mib(s.peakDisk).padStart(6)} MiB  final ${mib(s.finalDisk).padStart(6)} MiB` +
          `  peak RSS ${String(s.rss).padStart(4)} MiB`,
      );
      console.log(
        `      runs: ${runList(ms, (m) => `${(m.ms / 1000).toFixed(1)} s`)}` +
          `; RSS ${runList(ms, (m) => `${m.rssMiB}`)} MiB`,
      );
    };
    console.log(
      `\n${GAME}: one stored RAR5 archive of ${mib(archive)} MiB (${mib(installed)} MiB installed),` +
        ` ${runs} run(s) each, alternating order, medians`,
    );
    row('(a) download + install', a, results.download);
    row('(b) stream-install    ', b, results.stream);
    console.log(
      `  time b/a ${(b.ms / a.ms).toFixed(2)}   peak disk b/a ${(b.peakDisk / a.peakDisk).toFixed(2)}` +
        `   peak disk / installed: a ${(a.peakDisk / installed).toFixed(2)}x, b ${(b.peakDisk / installed).toFixed(2)}x` +
        `   final: a ${(a.finalDisk / installed).toFixed(2)}x, b ${(b.finalDisk / installed).toFixed(2)}x`,
    );
    console.log(
      `  receiver peak RSS during stream-install of a ${mib(installed)} MiB entry: ${b.rss} MiB` +
        ` (goal < 200 MB: ${b.rss * MIB < 200e6 ? 'met' : 'NOT met'}); source peak RSS over all runs ${sourceRss} MiB`,
    );
    console.log(
      '  disk use = sum of st_blocks*512 under the receiver games folder, sampled every ~100 ms\n' +
        '  (allocated blocks, as du; sparse preallocation is not counted until written). The\n' +
        '  archive was just written, so the source reads from the page cache; sync runs between\n' +
        '  runs, outside the timings; VmHWM of the receiver is read before it shuts down.',
    );
    console.log(`  reproduce: npm run bench -- stream-install ${gib} ${runs}`);
  } finally {
    await live.stopAll();
    await rm(root, { recursive: true, force: true });
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
