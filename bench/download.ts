/**
 * Download throughput and CPU per GiB of lanspread against nginx -> curl over TLS 1.3, on the same
 * file, both into a new file, sender pinned to core 0 and receiver to core 1 (two one-core
 * machines on a wire); for scale, curl again with the file's fdatasync in its time (against
 * lanspread until its flush, after the game is Ready, has put the bytes on the disk), a raw TCP copy and the
 * disk alone; then unpinned, one source against two. Every variant runs once per round,
 * round-robin, so a slow spell of this shared machine hits them alike; medians of the rounds.
 * Usage: npm run bench -- download [GiB=1] [runs=3]
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { link, mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NGINX_CONFIG_SUMMARY, NginxTls, requireBaselineTools } from './support/nginx-tls.js';
import { median } from './support/median.js';
import { cpuSeconds, peakRssMB, reapedChildrenCpuSeconds } from './support/proc-usage.js';
import { SeededRandom } from '../test/support/fixture-games.js';
import { CLI, type Json, PeerProcess, onCores } from '../test/scenarios/harness/peer-process.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const SENDER_CORE = '0';
const RECEIVER_CORE = '1';
const GAME = 'cnc4';
const ARCHIVE = `${GAME}.eti`;

/** One transfer: its time, the CPU seconds each side used, the peak RSS of lanspread's sides. */
interface Sample {
  ms: number;
  receiverCpu: number;
  senderCpu: number;
  receiverRssMB?: number;
  senderRssMB?: number;
  /** lanspread's: where its time went, from the receiver's events (see `phasesOf`). */
  phases?: Phases;
}

/**
 * A lanspread download in parts: until `download-begin` (manifests, the vote, the files made at
 * their sizes), the transfer (until the chunk events cover the game: every chunk verified and
 * written), the commit (version.ini in, the rescan: the game is Ready), and the flush that
 * follows while the game is in use (every file synced: its bytes are on the disk).
 */
interface Phases {
  beginMs: number;
  transferMs: number;
  commitMs: number;
  flushMs: number;
}

function phasesOf(
  client: PeerProcess,
  from: number,
  startedAt: number,
  endedAt: number,
  durableAt: number,
): Phases {
  const events = client.events.slice(from);
  const at = (e: Json | undefined): number => {
    const t = e === undefined ? undefined : client.arrivedAt(e);
    if (t === undefined) throw new Error('the receiver did not report the download as expected');
    return t;
  };
  const begin = events.find((e) => e.event === 'download-begin');
  let left = Number(begin?.bytes);
  const last = events.find(
    (e) => e.event === 'download-chunk-finished' && (left -= Number(e.length)) <= 0,
  );
  return {
    beginMs: at(begin) - startedAt,
    transferMs: at(last) - at(begin),
    commitMs: endedAt - at(last),
    flushMs: durableAt - endedAt,
  };
}

/** Resolves when `file` is gone: a flush record goes once the download's files are on the disk. */
async function gone(file: string): Promise<void> {
  while (existsSync(file)) await new Promise((r) => setTimeout(r, 2));
}

/** From the command to the end of the flush: until the download's bytes are on the disk. */
function durableMs(p: Phases): number {
  return p.beginMs + p.transferMs + p.commitMs + p.flushMs;
}

interface Variant {
  label: string;
  /** Why it cannot run here, or undefined. */
  unavailable?: string;
  /** One transfer; `tag` tells its files and peers apart from other runs'. */
  measure(tag: string): Promise<Sample>;
}

/** lanspread's variants: `args` go to both sides, so a transfer flag is one entry here. */
const LANSPREAD_VARIANTS: {
  label: string;
  sources: 1 | 2;
  pinned: boolean;
  args: string[];
}[] = [
  { label: '(2) lanspread, one source, pinned', sources: 1, pinned: true, args: [] },
  {
    label: '(3) lanspread --encrypt-transfers, one source, pinned',
    sources: 1,
    pinned: true,
    args: ['--encrypt-transfers'],
  },
  { label: '(4a) lanspread, one source, unpinned', sources: 1, pinned: false, args: [] },
  { label: '(4b) lanspread, two sources, unpinned', sources: 2, pinned: false, args: [] },
];

async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const rng = new SeededRandom('bench-download');
  const out = createWriteStream(path, { highWaterMark: 4 * MIB });
  const block = Buffer.allocUnsafe(4 * MIB);
  for (let done = 0; done < bytes; done += block.length) {
    rng.fill(block);
    const part = block.subarray(0, Math.min(block.length, bytes - done));
    if (!out.write(Buffer.from(part)))
      await new Promise<void>((r) =>
        out.once('drain', () => {
          r();
        }),
      );
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => {
      if (err) reject(err);
      else resolve();
    }),
  );
}

/** Exit code of a child, rejecting if it could not be started. */
function exitCode(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
}

async function expectSize(path: string, bytes: number, what: string): Promise<void> {
  const size = (await stat(path)).size;
  if (size !== bytes) throw new Error(`${what} wrote ${size} bytes, expected ${bytes}`);
}

/**
 * (1): curl fetches the file from nginx; nginx stays up, so its CPU is read from /proc. With
 * `sync` (1s) the time runs until the file's bytes are on the disk, as a lanspread download's are.
 */
async function nginxCurlSample(
  nginx: NginxTls,
  dst: string,
  bytes: number,
  pinned: boolean,
  sync = false,
): Promise<Sample> {
  const nginxBefore = await cpuSeconds(nginx.process.pid);
  const reapedBefore = await reapedChildrenCpuSeconds();
  const started = performance.now();
  const [file, ...args] = onCores(
    pinned ? RECEIVER_CORE : undefined,
    nginx.curlCommand(ARCHIVE, dst),
  );
  const curl = spawn(file!, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await exitCode(curl);
  if (sync && code === 0) {
    const file = await open(dst, 'r+');
    await file.datasync();
    await file.close();
  }
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`curl exited with ${code}`);
  const receiverCpu = (await reapedChildrenCpuSeconds()) - reapedBefore;
  const senderCpu = (await cpuSeconds(nginx.process.pid)) - nginxBefore;
  await expectSize(dst, bytes, 'curl');
  await rm(dst, { force: true });
  return { ms, receiverCpu, senderCpu };
}

/**
 * The plaintext ceiling: one node process sends the file over TCP, another writes it into a new
 * file, 1 MiB buffers; each prints the CPU seconds it used when done.
 */
const RAW_RECEIVER = `
const net = require('node:net'); const fs = require('node:fs');
const server = net.createServer({ highWaterMark: 1 << 20 }, (sock) => {
  const out = fs.createWriteStream(process.argv[1], { highWaterMark: 1 << 20 });
  sock.pipe(out).on('finish', () => {
    const u = process.cpuUsage();
    process.stdout.write((u.user + u.system) / 1e6 + '\\n');
    server.close();
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));`;
const RAW_SENDER = `
const net = require('node:net'); const fs = require('node:fs');
const sock = net.connect({ host: '127.0.0.1', port: Number(process.argv[2]), highWaterMark: 1 << 20 },
  () => fs.createReadStream(process.argv[1], { highWaterMark: 1 << 20 }).pipe(sock));
sock.on('close', () => {
  const u = process.cpuUsage();
  process.stdout.write((u.user + u.system) / 1e6 + '\\n');
});`;

async function rawCopySample(src: string, dst: string, bytes: number): Promise<Sample> {
  const node = (cpu: string, script: string, ...args: string[]): ReturnType<typeof spawn> => {
    const [file, ...rest] = onCores(cpu, [process.execPath, '-e', script, ...args]);
    return spawn(file!, rest, { stdio: ['ignore', 'pipe', 'inherit'] });
  };
  const receiver = node(RECEIVER_CORE, RAW_RECEIVER, dst);
  const lines = lineReader(receiver.stdout!);
  const port = await lines.next();
  const started = performance.now();
  const sender = node(SENDER_CORE, RAW_SENDER, src, port);
  const senderCpu = lineReader(sender.stdout!).next();
  const receiverCpu = Number(await lines.next());
  const ms = performance.now() - started;
  const sample = { ms, receiverCpu, senderCpu: Number(await senderCpu) };
  await Promise.all([exitCode(receiver), exitCode(sender)]);
  await expectSize(dst, bytes, 'the raw copy');
  await rm(dst, { force: true });
  return sample;
}

/**
 * What the receiver's disk takes: the file's size written from memory into a new file with
 * O_DIRECT, 4 MiB blocks, two in flight (as each chunk of lanspread's receiver is written), on
 * the receiver's core.
 * curl and the raw copy only fill the page cache; lanspread's bytes reach the disk as they come.
 */
const DISK_WRITER = `
const fs = require('node:fs'); const { open } = require('node:fs/promises');
(async () => {
  const size = Number(process.argv[2]); const block = 4 << 20;
  const memory = new WebAssembly.Memory({ initial: 128, maximum: 128, shared: true });
  const bufs = [0, 1].map((i) => Buffer.from(memory.buffer, i * block, block));
  const file = await open(process.argv[1], fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_DIRECT);
  const started = performance.now(); const busy = [];
  for (let at = 0, i = 0; at < size; at += block, i++) {
    if (busy.length === 2) await busy.shift();
    busy.push(file.write(bufs[i % 2], 0, Math.min(block, size - at), at));
  }
  await Promise.all(busy); await file.datasync(); await file.close();
  const u = process.cpuUsage();
  process.stdout.write((performance.now() - started) + ' ' + (u.user + u.system) / 1e6 + '\\n');
})();`;

async function diskSample(dst: string, bytes: number): Promise<Sample> {
  const [file, ...args] = onCores(RECEIVER_CORE, [
    process.execPath,
    '-e',
    DISK_WRITER,
    dst,
    String(bytes),
  ]);
  const writer = spawn(file!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const [ms, cpu] = (await lineReader(writer.stdout).next()).split(' ').map(Number);
  if ((await exitCode(writer)) !== 0) throw new Error('the direct writer failed');
  await expectSize(dst, bytes, 'the direct writer');
  await rm(dst, { force: true });
  return { ms: ms!, receiverCpu: cpu!, senderCpu: 0 };
}

function lineReader(stream: NodeJS.ReadableStream): { next(): Promise<string> } {
  const queue: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let buf = '';
  stream.on('data', (chunk: Buffer) => {
    buf += chunk.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(line);
      else queue.push(line);
    }
  });
  return {
    next: () =>
      new Promise((r) => {
        const line = queue.shift();
        if (line === undefined) waiters.push(r);
        else r(line);
      }),
  };
}

/** A peer serving the one game, its archive a hard link to the bench's file (same page cache). */
async function startSource(
  root: string,
  name: string,
  archive: string,
  cpuList: string | undefined,
  args: string[],
): Promise<PeerProcess> {
  const game = join(root, name, 'games', GAME);
  await mkdir(game, { recursive: true });
  await link(archive, join(game, ARCHIVE));
  await writeFile(join(game, 'version.ini'), '20250101\n');
  return startPeer(root, name, cpuList, args);
}

function startPeer(
  root: string,
  name: string,
  cpuList: string | undefined,
  args: string[],
): Promise<PeerProcess> {
  return PeerProcess.start({
    name,
    games: join(root, name, 'games'),
    state: join(root, name, 'state'),
    stderrFile: join(root, `${name}.log`),
    extraArgs: ['--log-level', 'warn', ...args],
    ...(cpuList === undefined ? {} : { cpuList }),
  });
}

/** A new receiving peer downloads the game from `sources` into its empty games folder. */
async function lanspreadSample(
  root: string,
  name: string,
  sources: PeerProcess[],
  cpuList: string | undefined,
  args: string[],
): Promise<Sample> {
  const client = await startPeer(root, name, cpuList, args);
  try {
    for (const s of sources) await client.cmd('connect', { addr: s.addr });
    const sourcesCpu = async (): Promise<number> =>
      (await Promise.all(sources.map((s) => cpuSeconds(s.pid)))).reduce((a, b) => a + b, 0);
    const before = { receiver: await cpuSeconds(client.pid), senders: await sourcesCpu() };
    const from = client.events.length;
    const started = performance.now();
    await client.cmd('download', { game: GAME, install: false }, 600_000);
    const ended = performance.now();
    await gone(join(root, name, 'state', 'flushes', `${GAME}.json`));
    const durable = performance.now();
    return {
      ms: ended - started,
      phases: phasesOf(client, from, started, ended, durable),
      receiverCpu: (await cpuSeconds(client.pid)) - before.receiver,
      senderCpu: (await sourcesCpu()) - before.senders,
      receiverRssMB: await peakRssMB(client.pid),
      senderRssMB: Math.max(...(await Promise.all(sources.map((s) => peakRssMB(s.pid))))),
    };
  } finally {
    await client.shutdown();
    await rm(join(root, name), { recursive: true, force: true });
  }
}

/** `lanspread peer`'s usage, which lists its options (on stderr, after "Unknown option"). */
function peerUsage(): string {
  const usage = spawnSync(process.execPath, [CLI, 'peer', '--help'], { encoding: 'utf8' });
  return `${usage.stdout}${usage.stderr}`;
}

/** CPU seconds per GiB of the SHA-256 a receiver computes over every byte it verifies. */
function sha256CpuPerGiB(): number {
  const block = randomBytes(64 * MIB);
  const rounds = 8; // 512 MiB
  const before = process.cpuUsage();
  for (let i = 0; i < rounds; i++) createHash('sha256').update(block).digest();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6 / ((rounds * block.length) / GIB);
}

export async function run(args: string[]): Promise<void> {
  const gib = Number(args[0] ?? 1);
  const runs = Number(args[1] ?? 3);
  requireBaselineTools();
  if (availableParallelism() < 2) throw new Error('pinned runs need two cores (0 and 1)');
  const bytes = Math.round(gib * GIB);
  const root = await mkdtemp(join(tmpdir(), 'lanspread-bench-download-'));
  const peers = new Map<string, PeerProcess>();
  let nginx: NginxTls | undefined;
  try {
    await mkdir(join(root, 'data'));
    const archive = join(root, 'data', ARCHIVE);
    console.log(`writing a ${gib} GiB random archive …`);
    await writeRandomFile(archive, bytes);

    nginx = await NginxTls.start(join(root, 'nginx'), SENDER_CORE);
    await link(archive, join(root, 'nginx', 'www', ARCHIVE));
    const server = nginx;
    const variants: Variant[] = [
      {
        label: '(1) nginx → curl, TLS 1.3, pinned',
        measure: (tag) => nginxCurlSample(server, join(root, `curl-${tag}.bin`), bytes, true),
      },
      {
        label: '(1s) nginx → curl, then fdatasync of the file, pinned',
        measure: (tag) =>
          nginxCurlSample(server, join(root, `curl-sync-${tag}.bin`), bytes, true, true),
      },
      {
        label: '(r) raw TCP copy (node), pinned',
        measure: (tag) => rawCopySample(archive, join(root, `raw-${tag}.bin`), bytes),
      },
      {
        label: '(d) the disk alone: O_DIRECT writes from memory, pinned',
        measure: (tag) => diskSample(join(root, `disk-${tag}.bin`), bytes),
      },
    ];
    const usage = peerUsage();
    for (const v of LANSPREAD_VARIANTS) {
      const unknown = v.args.filter((flag) => !usage.includes(flag));
      if (unknown.length > 0) {
        variants.push({
          label: v.label,
          unavailable: `n/a (flag not present: ${unknown.join(' ')})`,
          measure: () => Promise.reject(new Error('unavailable')),
        });
        continue;
      }
      const sources: PeerProcess[] = [];
      for (let i = 1; i <= v.sources; i++) {
        const name = `src-${v.pinned ? 'pinned' : 'free'}${v.args.join('')}-${i}`;
        let peer = peers.get(name);
        if (peer === undefined) {
          const cpu = v.pinned ? SENDER_CORE : undefined;
          peer = await startSource(root, name, archive, cpu, v.args);
          peers.set(name, peer);
        }
        sources.push(peer);
      }
      const receiverCpu = v.pinned ? RECEIVER_CORE : undefined;
      const receiver = `recv-${variants.length}`;
      variants.push({
        label: v.label,
        measure: (tag) => lanspreadSample(root, `${receiver}-${tag}`, sources, receiverCpu, v.args),
      });
    }

    const runnable = variants.filter((v) => v.unavailable === undefined);
    const samples = new Map<Variant, Sample[]>(variants.map((v) => [v, []]));
    // Round 0 warms up, uncounted: the sources hash the archive for their first manifest.
    for (let round = 0; round <= runs; round++) {
      console.log(round === 0 ? 'warm-up round …' : `round ${round}/${runs} …`);
      // Round-robin, starting one further each round and backwards every other round: a
      // rotation alone keeps each variant right after the same one (two sources after one),
      // so whatever a run leaves behind would always weigh on the same neighbour.
      for (let k = 0; k < runnable.length; k++) {
        const at = (k + round) % runnable.length;
        const v = runnable[round % 2 === 0 ? at : runnable.length - 1 - at]!;
        // Each starts with nothing of the last run's still to be written or discarded.
        spawnSync('sync');
        const sample = await v.measure(String(round));
        if (round > 0) samples.get(v)!.push(sample);
      }
    }
    report({
      gib,
      runs,
      variants,
      samples,
      negotiated: server.negotiated(ARCHIVE),
      nginxRssMB: await peakRssMB(server.process.pid),
    });
  } finally {
    for (const peer of peers.values()) await peer.shutdown();
    await nginx?.stop();
    await rm(root, { recursive: true, force: true });
  }
}

function report(r: {
  gib: number;
  runs: number;
  variants: Variant[];
  samples: Map<Variant, Sample[]>;
  negotiated: string;
  nginxRssMB: number;
}): void {
  const mibs = (s: Sample): number => (r.gib * 1024) / (s.ms / 1000);
  const of = (v: Variant): Sample[] => r.samples.get(v)!;
  const speed = (v: Variant): number => median(of(v).map(mibs));
  const perGiB = (v: Variant, side: 'receiverCpu' | 'senderCpu'): number =>
    median(of(v).map((s) => s[side] / r.gib));
  const peak = (v: Variant, side: 'receiverRssMB' | 'senderRssMB'): number =>
    Math.max(...of(v).map((s) => s[side] ?? NaN));
  const byLabel = (prefix: string): Variant => r.variants.find((v) => v.label.startsWith(prefix))!;
  const nginx = byLabel('(1)');

  console.log(
    `\ndownload of ${r.gib} GiB over loopback into a new file, medians of ${r.runs} rounds` +
      ` (round-robin, every other round backwards, a sync before each run); pinned = sender on core ${SENDER_CORE}, receiver on core ${RECEIVER_CORE}\n`,
  );
  console.log(
    '| variant | MiB/s | × (1) | receiver CPU-s/GiB | sender CPU-s/GiB | peak RSS recv / send MB | runs MiB/s |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const v of r.variants) {
    if (v.unavailable !== undefined) {
      console.log(`| ${v.label} | ${v.unavailable} | | | | | |`);
      continue;
    }
    const rss =
      v === nginx
        ? `— / ${r.nginxRssMB.toFixed(0)}`
        : of(v)[0]?.receiverRssMB === undefined
          ? '—'
          : `${peak(v, 'receiverRssMB').toFixed(0)} / ${peak(v, 'senderRssMB').toFixed(0)}`;
    console.log(
      `| ${v.label} | ${speed(v).toFixed(0)} | ${(speed(v) / speed(nginx)).toFixed(2)} | ` +
        `${perGiB(v, 'receiverCpu').toFixed(2)} | ${perGiB(v, 'senderCpu').toFixed(2)} | ${rss} | ` +
        `${of(v)
          .map((s) => mibs(s).toFixed(0))
          .join(', ')} |`,
    );
  }

  console.log(
    `\nwhere lanspread's time went (medians): until download-begin (manifests, vote, files made)` +
      ` | the transfer (until every chunk is verified and written) | the commit (version.ini, rescan: Ready)` +
      ` | the flush after it (every file synced, while the game is in use)\n`,
  );
  console.log(
    '| variant | to begin ms | transfer MiB/s | commit ms | flush ms | MiB/s until on the disk |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const v of r.variants) {
    const phases = v.unavailable === undefined ? of(v).map((s) => s.phases) : [];
    if (phases.length === 0 || phases.some((p) => p === undefined)) continue;
    const med = (pick: (p: Phases) => number): number => median(phases.map((p) => pick(p!)));
    console.log(
      `| ${v.label} | ${med((p) => p.beginMs).toFixed(0)} | ` +
        `${med((p) => (r.gib * 1024) / (p.transferMs / 1000)).toFixed(0)} | ${med((p) => p.commitMs).toFixed(0)} | ` +
        `${med((p) => p.flushMs).toFixed(0)} | ${med((p) => (r.gib * 1024) / (durableMs(p) / 1000)).toFixed(0)} |`,
    );
  }

  // A round's pair was measured seconds apart: its ratio drifts less than the medians do.
  const paired = (v: Variant, base: Variant): string =>
    of(v)
      .map((s, i) => (mibs(s) / mibs(of(base)[i]!)).toFixed(2))
      .join(', ');
  const verdict = (met: boolean): string => (met ? 'met' : 'NOT met');
  const goalRatio = (prefix: string, base: Variant, goal: number): string => {
    const v = byLabel(prefix);
    if (v.unavailable !== undefined) return v.unavailable;
    const ratio = speed(v) / speed(base);
    return `${ratio.toFixed(2)} (per round ${paired(v, base)}) — ${verdict(ratio >= goal)}`;
  };
  const one = byLabel('(2)');
  const lanspread = r.variants.filter((v) => v.label.includes('lanspread') && !v.unavailable);
  const maxRss = Math.max(
    ...lanspread.flatMap((v) => [peak(v, 'receiverRssMB'), peak(v, 'senderRssMB')]),
  );
  console.log(`\ngoals (issue 17):`);
  console.log(`  (2)/(1) >= 1.0: ${goalRatio('(2)', nginx, 1.0)}`);
  const synced = byLabel('(1s)');
  const untilDurable = median(
    of(one).map((s) => (s.phases === undefined ? NaN : durableMs(s.phases))),
  );
  console.log(
    `  for scale: (2) until its files are on the disk (its flush done) against (1s), a curl whose` +
      ` bytes are on the disk at the end too: ${((r.gib * 1024) / (untilDurable / 1000) / speed(synced)).toFixed(2)}`,
  );
  const disk = byLabel('(d)');
  console.log(
    `  for scale: (2)/(d), lanspread against what its disk takes: ${(speed(one) / speed(disk)).toFixed(2)}` +
      ` (per round ${paired(one, disk)})`,
  );
  console.log(`  (3)/(1) >= 0.6: ${goalRatio('(3)', nginx, 0.6)}`);
  const cpuGoal = (side: 'receiverCpu' | 'senderCpu', goal: number): string =>
    `${perGiB(one, side).toFixed(2)} CPU-s/GiB — ${verdict(perGiB(one, side) <= goal)}`;
  console.log(`  (2) receiver <= 1.5 CPU-s/GiB: ${cpuGoal('receiverCpu', 1.5)}`);
  console.log(`  (2) sender <= 0.7 CPU-s/GiB: ${cpuGoal('senderCpu', 0.7)}`);
  console.log(
    `  (4b)/(4a) >= 1.0 (two sources never slower): ${goalRatio('(4b)', byLabel('(4a)'), 1.0)}`,
  );
  console.log(
    `  peak RSS < 200 MB on both sides (max over lanspread's variants): ${maxRss.toFixed(0)} MB — ${verdict(maxRss < 200)}`,
  );

  console.log(`\nhow it was measured:`);
  console.log(`  nginx: ${NGINX_CONFIG_SUMMARY}; curl and nginx negotiate ${r.negotiated}`);
  console.log(
    `  CPU = utime+stime from /proc/PID/stat right before and after the transfer (nginx, peers;` +
      ` all threads), curl's from the reaped-children times of this process around its run,` +
      ` the raw copy's as each process reports it; RSS = VmHWM of the running process`,
  );
  console.log(
    `  each run writes a new file, deleted after it; the page cache is not dropped: the source` +
      ` file (written just before, far smaller than RAM) stays cached for every variant, as a hot` +
      ` game on a lancache; lanspread's receiver writes with O_DIRECT and, once the game is Ready,` +
      ` syncs each file (the flush), curl and the raw copy leave them in the page cache`,
  );
  console.log(
    `  for scale: SHA-256, which a lanspread receiver computes over every byte, costs` +
      ` ${sha256CpuPerGiB().toFixed(2)} CPU-s/GiB here`,
  );
}
