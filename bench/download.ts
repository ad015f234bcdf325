/**
 * Download throughput: (a) a raw TCP copy of a file into a file, as the baseline; (b) a lanspread
 * single-source download of the same bytes; (c) the same from two sources; (d) the raw copy over
 * TLS 1.3. Separate processes on loopback, medians of several runs, ratio b/a, the peak RSS of the
 * peers, CPU per GiB, and the ceiling this machine sets when both ends share its cores.
 * Usage: npm run bench -- download [GiB=2] [runs=3]
 */
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSelfSignedCert } from '../src/identity/self-signed-cert.js';
import { SeededRandom } from '../test/support/fixture-games.js';
import { PeerProcess } from '../test/scenarios/harness/peer-process.js';

const MIB = 1024 * 1024;

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

/**
 * The baseline: one process sends the file over TCP, another writes it to a file, 1 MiB buffers.
 * With LS_TLS_KEY/LS_TLS_CERT set, the same copy over TLS 1.3 with lanspread's cipher: the work
 * any encrypted copy must do, to tell what the machine allows from what lanspread adds.
 */
const RECEIVER = `
const net = require('node:net'); const tls = require('node:tls'); const fs = require('node:fs');
const opts = { highWaterMark: 1 << 20 };
const onSocket = (sock) => {
  const out = fs.createWriteStream(process.argv[1], { highWaterMark: 1 << 20 });
  sock.pipe(out).on('finish', () => {
    const u = process.cpuUsage();
    process.stdout.write((u.user + u.system) / 1e6 + '\\n');
    server.close();
  });
};
const server = process.env.LS_TLS_KEY
  ? tls.createServer({ ...opts, key: process.env.LS_TLS_KEY, cert: process.env.LS_TLS_CERT,
      minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' }, onSocket)
  : net.createServer(opts, onSocket);
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));`;
const SENDER = `
const net = require('node:net'); const tls = require('node:tls'); const fs = require('node:fs');
const opts = { host: '127.0.0.1', port: Number(process.argv[2]), highWaterMark: 1 << 20 };
const send = () => fs.createReadStream(process.argv[1], { highWaterMark: 1 << 20 }).pipe(sock);
const sock = process.env.LS_TLS_KEY
  ? tls.connect({ ...opts, rejectUnauthorized: false }, send)
  : net.connect(opts, send);
sock.on('close', () => {
  const u = process.cpuUsage();
  process.stdout.write((u.user + u.system) / 1e6 + '\\n');
});`;

/** The copy's time, and the CPU seconds both processes used (each prints its own at the end). */
async function copyOverLoopback(
  src: string,
  dst: string,
  tls?: { keyPem: string; certPem: string },
): Promise<{ ms: number; cpu: number }> {
  const env = tls
    ? { ...process.env, LS_TLS_KEY: tls.keyPem, LS_TLS_CERT: tls.certPem }
    : process.env;
  const receiver = spawn(process.execPath, ['-e', RECEIVER, dst], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  const lines = lineReader(receiver.stdout);
  const port = await lines.next();
  const started = performance.now();
  const sender = spawn(process.execPath, ['-e', SENDER, src, port], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  const senderCpu = lineReader(sender.stdout).next();
  const receiverCpu = Number(await lines.next());
  const ms = performance.now() - started;
  return { ms, cpu: receiverCpu + Number(await senderCpu) };
}

/** A throwaway ECDSA key and certificate, as a peer's identity has. */
function benchIdentity(): { keyPem: string; certPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const notBefore = new Date();
  const notAfter = new Date(notBefore.getTime() + 24 * 3600 * 1000);
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certPem: createSelfSignedCert({
      privateKey,
      publicKey,
      commonName: 'bench',
      notBefore,
      notAfter,
    }),
  };
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

async function peakRssMiB(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round(kib / 1024);
}

/** CPU seconds (user + system) a process has used so far. */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // The fields after the command name; utime and stime are the 12th and 13th of them.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function startPeer(root: string, name: string): Promise<PeerProcess> {
  return PeerProcess.start({
    name,
    games: join(root, name, 'games'),
    state: join(root, name, 'state'),
    stderrFile: join(root, `${name}.log`),
    extraArgs: ['--log-level', 'warn'],
  });
}

async function lanspreadRun(
  root: string,
  sources: PeerProcess[],
  run: number,
): Promise<{ ms: number; clientRss: number; clientCpu: number; sourceCpu: number }> {
  const client = await startPeer(root, `client-${sources.length}-${run}`);
  try {
    for (const s of sources) await client.cmd('connect', { addr: s.addr });
    const sourcesCpu = async (): Promise<number> =>
      (await Promise.all(sources.map((s) => cpuSeconds(s.pid)))).reduce((a, b) => a + b, 0);
    const cpuBefore = { client: await cpuSeconds(client.pid), sources: await sourcesCpu() };
    const started = performance.now();
    await client.cmd('download', { game: 'cnc4', install: false }, 600_000);
    const ms = performance.now() - started;
    const clientCpu = (await cpuSeconds(client.pid)) - cpuBefore.client;
    const sourceCpu = (await sourcesCpu()) - cpuBefore.sources;
    const clientRss = await peakRssMiB(client.pid);
    return { ms, clientRss, clientCpu, sourceCpu };
  } finally {
    await client.shutdown();
    await rm(join(root, client.name), { recursive: true, force: true });
  }
}

/** CPU seconds per GiB of the SHA-256 a receiver computes over every byte it verifies. */
function sha256CpuPerGiB(): number {
  const block = randomBytes(64 * MIB);
  const rounds = 8; // 512 MiB
  const before = process.cpuUsage();
  for (let i = 0; i < rounds; i++) createHash('sha256').update(block).digest();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6 / ((rounds * block.length) / (1024 * MIB));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(args: string[]): Promise<void> {
  const gib = Number(args[0] ?? 2);
  const runs = Number(args[1] ?? 3);
  const bytes = Math.round(gib * 1024 * MIB);
  const root = await mkdtemp(join(tmpdir(), 'lanspread-bench-download-'));
  try {
    const sourceRoots = ['s1', 's2'].map((s) => join(root, s, 'games', 'cnc4'));
    for (const dir of sourceRoots) await mkdir(dir, { recursive: true });
    console.log(`writing a ${gib} GiB random archive …`);
    await writeRandomFile(join(sourceRoots[0]!, 'cnc4.eti'), bytes);
    await writeRandomFile(join(sourceRoots[1]!, 'cnc4.eti'), bytes);
    for (const dir of sourceRoots) await writeFile(join(dir, 'version.ini'), '20250101\n');

    const sources = [await startPeer(root, 's1'), await startPeer(root, 's2')];
    // Warm the sources' hash caches: the first manifest hashes the archive once.
    await lanspreadRun(root, sources, 0);

    const raw: number[] = [];
    const one: number[] = [];
    const two: number[] = [];
    let clientRss = 0;
    const cpuOne: { client: number; source: number }[] = [];
    const rawCpu: number[] = [];
    const tlsCopy: number[] = [];
    const tlsCpu: number[] = [];
    const identity = benchIdentity();
    for (let i = 1; i <= runs; i++) {
      const archive = join(sourceRoots[0]!, 'cnc4.eti');
      const copy = await copyOverLoopback(archive, join(root, `raw-${i}.bin`));
      raw.push(copy.ms);
      rawCpu.push(copy.cpu / gib);
      await rm(join(root, `raw-${i}.bin`), { force: true });
      const overTls = await copyOverLoopback(archive, join(root, `tls-${i}.bin`), identity);
      tlsCopy.push(overTls.ms);
      tlsCpu.push(overTls.cpu / gib);
      await rm(join(root, `tls-${i}.bin`), { force: true });
      const a = await lanspreadRun(root, [sources[0]!], i);
      one.push(a.ms);
      cpuOne.push({ client: a.clientCpu / gib, source: a.sourceCpu / gib });
      const b = await lanspreadRun(root, sources, i);
      two.push(b.ms);
      clientRss = Math.max(clientRss, a.clientRss, b.clientRss);
    }
    const mibs = (ms: number): string => (bytes / MIB / (ms / 1000)).toFixed(0);
    const sourceRss = Math.max(
      await peakRssMiB(sources[0]!.pid),
      await peakRssMiB(sources[1]!.pid),
    );
    console.log(`\ndownload of ${gib} GiB over loopback, ${runs} runs, medians`);
    console.log(
      `  (a) raw TCP copy into a file      ${mibs(median(raw)).padStart(6)} MiB/s   runs: ${raw.map((m) => mibs(m)).join(', ')}`,
    );
    console.log(
      `  (b) lanspread, one source         ${mibs(median(one)).padStart(6)} MiB/s   runs: ${one.map((m) => mibs(m)).join(', ')}`,
    );
    console.log(
      `  (c) lanspread, two sources        ${mibs(median(two)).padStart(6)} MiB/s   runs: ${two.map((m) => mibs(m)).join(', ')}`,
    );
    console.log(
      `  (d) the same copy over TLS 1.3    ${mibs(median(tlsCopy)).padStart(6)} MiB/s   runs: ${tlsCopy.map((m) => mibs(m)).join(', ')}   (d/a ${(median(raw) / median(tlsCopy)).toFixed(2)})`,
    );
    // Each run's pair was measured minutes apart at most; their ratios drift less than the medians.
    const paired = raw.map((r, i) => r / one[i]!);
    console.log(
      `  ratio b/a ${(median(raw) / median(one)).toFixed(2)}   c/a ${(median(raw) / median(two)).toFixed(2)}   (goal b/a >= 0.85); b/a per run: ${paired.map((x) => x.toFixed(2)).join(', ')}, median ${median(paired).toFixed(2)}`,
    );
    const cpu = (side: 'client' | 'source'): string =>
      median(cpuOne.map((c) => c[side])).toFixed(2);
    console.log(
      `  CPU per GiB (medians, 2 cores shared by both ends): raw copy ${median(rawCpu).toFixed(2)} s, TLS copy ${median(tlsCpu).toFixed(2)} s (both processes); lanspread one source: client ${cpu('client')} s, source ${cpu('source')} s`,
    );
    console.log(`  peak RSS: client ${clientRss} MiB, source ${sourceRss} MiB   (goal < 200 MB)`);
    // Throughput here is bounded by CPU: both ends share these cores. What lanspread's own CPU
    // per GiB allows with every core busy, next to the one cost no verified download can skip.
    const cores = availableParallelism();
    const lanspreadCpu = Number(cpu('client')) + Number(cpu('source'));
    const ceiling = (cores / lanspreadCpu) * 1024;
    const rawMiBs = bytes / MIB / (median(raw) / 1000);
    console.log(
      `  bound here: lanspread's ${lanspreadCpu.toFixed(2)} CPU-s/GiB on ${cores} cores allow at most ${ceiling.toFixed(0)} MiB/s with every core busy (b/a <= ${(ceiling / rawMiBs).toFixed(2)}); the receiver's SHA-256 alone costs ${sha256CpuPerGiB().toFixed(2)} s/GiB`,
    );
    for (const s of sources) await s.shutdown();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
