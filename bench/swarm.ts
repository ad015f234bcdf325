/**
 * A LAN party on a shaped LAN (test/support/shaped-lan.ts): every host a network namespace whose
 * port is held to a switch port's rate both ways, so that links, not the CPU, are the limit.
 * Each figure sits beside its own baseline measured in the same round:
 * (a) one source → one client over 200 Mbit/s ports: lanspread against socat (raw TCP);
 * (b) three sources with 300 Mbit/s ports into one client with a 1 Gbit/s port: lanspread
 *     against the sum of the three links, and socat from the three at once as a sanity check;
 * (c) S52: one seeder and N empty clients start the same game together on 200 Mbit/s ports:
 *     each client's time, the last one's against (a)'s lone client of the same round, and the
 *     bytes the seeder's port sent.
 * Every peer is a `lanspread peer` child in its host's namespace (`ip netns exec`), started
 * with --no-mdns and connected by address, so every round has the same mesh.
 * (b) downloads a game of its own size, 1 GiB by default: at 256 MiB the ~0.1 s every download
 * spends outside the transfer (manifests, vote, commit) is 5 % of its 2.6 s on these links.
 * Usage: npm run bench -- swarm [MiB=256] [clients=6] [runs=3] [MiB of (b)=1024]
 *   (root, `ip`, `tc`, `socat`)
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, existsSync, rmSync } from 'node:fs';
import { link, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { missingTools } from './support/missing-tools.js';
import { median } from './support/median.js';
import { writeRandomFile } from './support/random-file.js';
import { CLI, PeerProcess } from '../test/scenarios/harness/peer-process.js';
import { requireNetns } from '../test/support/netns.js';
import {
  createShapedLan,
  type PortSpec,
  type ShapedHost,
  type ShapedLan,
} from '../test/support/shaped-lan.js';

const MIB = 1024 * 1024;
const GAME = 'cnc4';
const ARCHIVE = `${GAME}.eti`;
const VERSION = '20250101';
const PORT_MBIT = 200;
const SOURCE_MBIT = 300;
const CLIENT_MBIT = 1000;
/** A download's unit of planning (the peer's default --chunk-size): a source serves whole ones. */
const CHUNK_BYTES = 32 * MIB;
/** socat's receivers listen from this port up, one per sender. */
const SOCAT_PORT = 5001;
/** TCP payload per Ethernet frame at MTU 1500 with timestamps: what a shaped port can carry. */
const TCP_PAYLOAD_SHARE = 1448 / 1514;

/** The peers and LANs alive now, stopped and removed on Ctrl-C as on any exit. */
const alive = { peers: new Set<PeerProcess>(), lans: new Set<ShapedLan>() };

function mibPerS(bytes: number, ms: number): number {
  return bytes / MIB / (ms / 1000);
}

/** Mbit/s of Ethernet frames as MiB/s. */
function linkMiBs(mbit: number): number {
  return (mbit * 1e6) / 8 / MIB;
}

function requireTools(): void {
  requireNetns();
  const missing = missingTools([
    ['tc', '-V'],
    ['socat', '-V'],
    ['ss', '-V'],
  ]);
  if (missing.length > 0) {
    throw new Error(
      `the swarm bench needs ${missing.join(', ')} on PATH (socat is its raw TCP ` +
        `baseline). On Debian: apt-get update && apt-get install -y socat iproute2`,
    );
  }
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
}

/** A tmpfs when there is one: fdatasync is free there, so no disk (shared with others) takes part. */
async function workDir(): Promise<{ root: string; where: string }> {
  const shm = '/dev/shm';
  const base = existsSync(shm) ? shm : tmpdir();
  return {
    root: await mkdtemp(join(base, 'lanspread-bench-swarm-')),
    where: base === shm ? 'tmpfs (/dev/shm)' : `${base} (no /dev/shm here)`,
  };
}

class Party {
  constructor(
    readonly root: string,
    readonly archive: string,
    readonly bytes: number,
  ) {}

  /** A fresh peer on `host`; `seed` puts the game (a hard link to the archive) in its folder. */
  async start(name: string, host: ShapedHost, seed: boolean): Promise<PeerProcess> {
    const dir = join(this.root, name);
    if (seed) {
      const game = join(dir, 'games', GAME);
      await mkdir(game, { recursive: true });
      await link(this.archive, join(game, ARCHIVE));
      await writeFile(join(game, 'version.ini'), `${VERSION}\n`);
    }
    const peer = await PeerProcess.start({
      name,
      games: join(dir, 'games'),
      state: join(dir, 'state'),
      stderrFile: join(this.root, `${name}.log`),
      netns: host.netns,
      extraArgs: ['--log-level', 'warn', '--no-mdns'],
    });
    alive.peers.add(peer);
    return peer;
  }

  async stop(peers: readonly PeerProcess[]): Promise<void> {
    await Promise.all(peers.map((p) => p.shutdown()));
    for (const p of peers) {
      alive.peers.delete(p);
      await rm(join(this.root, p.name), { recursive: true, force: true });
    }
  }

  downloaded(peer: PeerProcess): string {
    return join(this.root, peer.name, 'games', GAME, ARCHIVE);
  }

  async expectWhole(peer: PeerProcess): Promise<void> {
    const size = (await stat(this.downloaded(peer))).size;
    if (size !== this.bytes) throw new Error(`${peer.name} has ${size} bytes, not ${this.bytes}`);
  }

  /** Generous: a client that gets less than 1 MiB/s has failed this bench anyway. */
  get timeoutMs(): number {
    return 60_000 + (this.bytes / MIB) * 1000;
  }
}

/** The address `peer` on `host` listens on, as another host dials it. */
function dialAddr(peer: PeerProcess, host: ShapedHost): string {
  return `${host.address}:${peer.addr.slice(peer.addr.lastIndexOf(':') + 1)}`;
}

/** Waits until `client` lists the game on at least `sources` peers. */
async function waitForSources(client: PeerProcess, sources: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const games = await client.cmd<{ remote: { id: string; peer_count: number }[] }>('list-games');
    const row = games.remote.find((g) => g.id === GAME);
    if ((row?.peer_count ?? 0) >= sources) return;
    if (Date.now() > deadline) {
      throw new Error(`${client.name} sees ${row?.peer_count ?? 0} of ${sources} sources`);
    }
    await sleep(100);
  }
}

/** One client: a fresh peer on `host` downloads the game from `sources`; ms of the download. */
async function lanspreadSample(
  party: Party,
  name: string,
  host: ShapedHost,
  sources: readonly { peer: PeerProcess; host: ShapedHost }[],
): Promise<number> {
  const client = await party.start(name, host, false);
  try {
    for (const s of sources) await client.cmd('connect', { addr: dialAddr(s.peer, s.host) });
    await waitForSources(client, sources.length);
    const started = performance.now();
    await client.cmd('download', { game: GAME, install: false }, party.timeoutMs);
    const ms = performance.now() - started;
    await party.expectWhole(client);
    return ms;
  } finally {
    await party.stop([client]);
  }
}

/** Resolves once something in `netns` listens on TCP `port`. */
async function listening(netns: string, port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ss = spawnSync('ss', ['-N', netns, '-Hltn', `sport = :${port}`], { encoding: 'utf8' });
    if (ss.stdout.trim() !== '') return;
    await sleep(10);
  }
  throw new Error(`nothing listens on ${netns} port ${port}`);
}

/**
 * socat copies the whole archive from each of `from` to host `to` at once, into new files there;
 * ms from the senders' start until the last receiver has written and closed its file.
 */
async function socatSample(
  party: Party,
  lan: ShapedLan,
  from: number[],
  to: number,
): Promise<number> {
  const dst = lan.hosts[to]!;
  const inNs = (host: ShapedHost, ...args: string[]): ReturnType<typeof spawn> =>
    spawn('ip', ['netns', 'exec', host.netns, 'socat', '-u', ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  const files = from.map((_, k) => join(party.root, `socat-${k}.bin`));
  const receivers = from.map((_, k) =>
    inNs(dst, `TCP-LISTEN:${SOCAT_PORT + k},reuseaddr`, `CREATE:${files[k]!}`),
  );
  try {
    await Promise.all(from.map((_, k) => listening(dst.netns, SOCAT_PORT + k)));
    const started = performance.now();
    const senders = from.map((i, k) =>
      inNs(lan.hosts[i]!, `OPEN:${party.archive}`, `TCP:${dst.address}:${SOCAT_PORT + k}`),
    );
    const codes = await Promise.all([...receivers, ...senders].map((c) => once(c, 'exit')));
    const ms = performance.now() - started;
    if (codes.some(([code]) => code !== 0)) throw new Error(`socat exited with ${codes.join(' ')}`);
    for (const file of files) {
      const size = (await stat(file)).size;
      if (size !== party.bytes) throw new Error(`socat wrote ${size} bytes, not ${party.bytes}`);
    }
    return ms;
  } finally {
    for (const r of receivers) r.kill();
    await Promise.all(files.map((f) => rm(f, { force: true })));
  }
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: 4 * MIB }), hash);
  return hash.digest('hex');
}

interface SwarmSample {
  /** Each client's time from the common start to its answer, in client order. */
  clientMs: number[];
  /** What the seeder's eth0 sent meanwhile: payload and about 0.1 % (ShapedLan.linkBytes). */
  seederSentBytes: number;
  /** The same as Ethernet frames, every frame's headers counted (its shaper's counter). */
  seederFrameBytes: number;
}

/** S52: fresh clients on hosts 1..n, meshed, all asked to download at the same moment. */
async function swarmSample(
  party: Party,
  lan: ShapedLan,
  seeder: PeerProcess,
  clients: number,
  tag: string,
  sourceDigest: string,
): Promise<SwarmSample> {
  const hosts = lan.hosts.slice(1, clients + 1);
  const peers = await Promise.all(
    hosts.map((h, i) => party.start(`s52-${tag}-${i + 1}`, h, false)),
  );
  try {
    for (const [i, peer] of peers.entries()) {
      await peer.cmd('connect', { addr: dialAddr(seeder, lan.hosts[0]!) });
      // Clients know each other too, as they will at a party: a swarm can use it, today's cannot.
      for (let j = 0; j < i; j++)
        await peer.cmd('connect', { addr: dialAddr(peers[j]!, hosts[j]!) });
    }
    await Promise.all(peers.map((p) => waitForSources(p, 1)));
    const sentBefore = lan.linkBytes(0).sent;
    const framesBefore = lan.shaperStats(0).up.sentBytes;
    const started = performance.now();
    const clientMs = await Promise.all(
      peers.map(async (p) => {
        await p.cmd('download', { game: GAME, install: false }, party.timeoutMs * clients);
        return performance.now() - started;
      }),
    );
    const seederSentBytes = lan.linkBytes(0).sent - sentBefore;
    const seederFrameBytes = lan.shaperStats(0).up.sentBytes - framesBefore;
    for (const p of peers) {
      const digest = await sha256(party.downloaded(p));
      if (digest !== sourceDigest)
        throw new Error(`${p.name} finished with other bytes (${digest})`);
    }
    return { clientMs, seederSentBytes, seederFrameBytes };
  } finally {
    await party.stop(peers);
  }
}

/**
 * Runs every variant once per round, round-robin from a different one each round; round 0 runs
 * only the first, uncounted, to warm up.
 */
async function rounds(
  runs: number,
  variants: readonly ((round: number) => Promise<void>)[],
): Promise<void> {
  console.log('  warm-up (the sources hash the archive for their first manifest) …');
  await variants[0]!(0);
  for (let round = 1; round <= runs; round++) {
    console.log(`  round ${round}/${runs} …`);
    for (let k = 0; k < variants.length; k++) {
      await variants[(k + round) % variants.length]!(round);
    }
  }
}

function withLan<T>(ports: readonly PortSpec[], body: (lan: ShapedLan) => Promise<T>): Promise<T> {
  const lan = createShapedLan(ports);
  alive.lans.add(lan);
  return body(lan).finally(() => {
    lan.destroy();
    alive.lans.delete(lan);
  });
}

interface Results {
  oneMs: number[];
  socatOneMs: number[];
  threeMs: number[];
  socatThreeMs: number[];
  swarm: SwarmSample[];
}

/** (a) and (c) share a LAN of 200 Mbit/s ports: host 0 seeds, hosts 1..clients download. */
async function seederLan(party: Party, clients: number, runs: number, r: Results): Promise<void> {
  const digest = await sha256(party.archive);
  await withLan(
    Array.from({ length: clients + 1 }, () => PORT_MBIT),
    async (lan) => {
      const seeder = await party.start('seeder', lan.hosts[0]!, true);
      const source = [{ peer: seeder, host: lan.hosts[0]! }];
      await rounds(runs, [
        async (round) => {
          const ms = await lanspreadSample(party, `one-${round}`, lan.hosts[1]!, source);
          if (round > 0) r.oneMs.push(ms);
        },
        async () => {
          r.socatOneMs.push(await socatSample(party, lan, [0], 1));
        },
        async (round) => {
          r.swarm.push(await swarmSample(party, lan, seeder, clients, String(round), digest));
        },
      ]);
      await party.stop([seeder]);
    },
  );
}

/** (b): hosts 0..2 seed on 300 Mbit/s ports, host 3 downloads on a 1 Gbit/s port. */
async function threeSourcesLan(party: Party, runs: number, r: Results): Promise<void> {
  await withLan([SOURCE_MBIT, SOURCE_MBIT, SOURCE_MBIT, CLIENT_MBIT], async (lan) => {
    const sources = await Promise.all(
      [0, 1, 2].map(async (i) => ({
        peer: await party.start(`source-${i}`, lan.hosts[i]!, true),
        host: lan.hosts[i]!,
      })),
    );
    await rounds(runs, [
      async (round) => {
        const ms = await lanspreadSample(party, `three-${round}`, lan.hosts[3]!, sources);
        if (round > 0) r.threeMs.push(ms);
      },
      async () => {
        r.socatThreeMs.push(await socatSample(party, lan, [0, 1, 2], 3));
      },
    ]);
    await party.stop(sources.map((s) => s.peer));
  });
}

export async function run(args: string[]): Promise<void> {
  const mib = Number(args[0] ?? 256);
  const clients = Number(args[1] ?? 6);
  const runs = Number(args[2] ?? 3);
  const threeMib = Number(args[3] ?? 1024);
  if (
    !(mib > 0) ||
    !(threeMib > 0) ||
    !Number.isInteger(clients) ||
    clients < 1 ||
    !Number.isInteger(runs) ||
    runs < 1
  ) {
    throw new Error(
      'usage: npm run bench -- swarm [MiB > 0] [clients >= 1] [runs >= 1] [MiB of (b) > 0]',
    );
  }
  requireTools();
  const { root, where } = await workDir();
  const onSignal = (signal: NodeJS.Signals): void => {
    for (const p of alive.peers) p.kill('SIGKILL');
    for (const lan of alive.lans) lan.destroy();
    rmSync(root, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = performance.now();
  try {
    const bytes = Math.round(mib * MIB);
    const archive = join(root, ARCHIVE);
    await writeRandomFile(archive, bytes);
    const party = new Party(root, archive, bytes);
    const r: Results = { oneMs: [], socatOneMs: [], threeMs: [], socatThreeMs: [], swarm: [] };
    console.log(`(a) + (c): a seeder and ${clients} clients, ${PORT_MBIT} Mbit/s ports`);
    await seederLan(party, clients, runs, r);
    console.log(
      `(b): three ${SOURCE_MBIT} Mbit/s sources, one ${CLIENT_MBIT} Mbit/s client, ${threeMib} MiB`,
    );
    const threeBytes = Math.round(threeMib * MIB);
    let threeParty = party;
    if (threeBytes !== bytes) {
      await rm(archive);
      const threeArchive = join(root, `three-${ARCHIVE}`);
      await writeRandomFile(threeArchive, threeBytes);
      threeParty = new Party(root, threeArchive, threeBytes);
    }
    await threeSourcesLan(threeParty, runs, r);
    const wallS = (performance.now() - started) / 1000;
    report({ mib, bytes, threeMib, threeBytes, clients, runs, where, r, wallS });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Peers a failed round left behind; the LANs are gone already (withLan).
    for (const p of alive.peers) p.kill('SIGKILL');
    await Promise.all([...alive.peers].map((p) => p.exited));
    await rm(root, { recursive: true, force: true });
  }
}

function report(x: {
  mib: number;
  bytes: number;
  threeMib: number;
  threeBytes: number;
  clients: number;
  runs: number;
  where: string;
  r: Results;
  wallS: number;
}): void {
  const { r, bytes } = x;
  const speeds = (ms: number[], copies = 1, size = bytes): number[] =>
    ms.map((t) => mibPerS(copies * size, t));
  const list = (xs: number[], digits = 1): string => xs.map((v) => v.toFixed(digits)).join(', ');
  const verdict = (met: boolean): string => (met ? 'met' : 'NOT met');
  /** Per round: a's value over b's, both measured minutes apart in that round. */
  const paired = (a: number[], b: number[]): number[] => a.map((v, i) => v / b[i]!);

  console.log(
    `\nswarm on a shaped LAN: ${x.mib} MiB random archive, medians of ${x.runs} rounds (every` +
      ` variant once per round, round-robin, after a warm-up), files on ${x.where};` +
      ` wall time ${x.wallS.toFixed(0)} s`,
  );
  console.log(
    `ports: HTB + byte FIFO per port each way, no added delay (test/support/shaped-lan.ts);` +
      ` a port's MiB/s counts Ethernet frames, TCP's payload is at most` +
      ` ${(TCP_PAYLOAD_SHARE * 100).toFixed(1)} % of it`,
  );

  const one = speeds(r.oneMs);
  const socatOne = speeds(r.socatOneMs);
  const link = linkMiBs(PORT_MBIT);
  console.log(
    `\n(a) one source → one client, ${PORT_MBIT} Mbit/s ports (${link.toFixed(2)} MiB/s)`,
  );
  console.log('| variant | MiB/s | × link | runs MiB/s |');
  console.log('|---|---|---|---|');
  console.log(
    `| lanspread | ${median(one).toFixed(1)} | ${(median(one) / link).toFixed(2)} | ${list(one)} |`,
  );
  console.log(
    `| socat | ${median(socatOne).toFixed(1)} | ${(median(socatOne) / link).toFixed(2)} | ${list(socatOne)} |`,
  );
  const aRatio = median(one) / median(socatOne);
  console.log(
    `  lanspread / socat: ${aRatio.toFixed(2)} (per round ${list(paired(one, socatOne), 2)}) — goal ≥ 0.95: ${verdict(aRatio >= 0.95)}`,
  );

  const three = speeds(r.threeMs, 1, x.threeBytes);
  const socatThree = speeds(r.socatThreeMs, 3, x.threeBytes);
  const sum = 3 * linkMiBs(SOURCE_MBIT);
  console.log(
    `\n(b) three sources, ${SOURCE_MBIT} Mbit/s ports → one client, ${CLIENT_MBIT} Mbit/s port,` +
      ` a ${x.threeMib} MiB game (sum of the source links ${sum.toFixed(2)} MiB/s)`,
  );
  console.log('| variant | MiB/s | × sum of links | runs MiB/s |');
  console.log('|---|---|---|---|');
  console.log(
    `| lanspread, 3 sources | ${median(three).toFixed(1)} | ${(median(three) / sum).toFixed(2)} | ${list(three)} |`,
  );
  console.log(
    `| socat ×3 at once (each the whole file; aggregate) | ${median(socatThree).toFixed(1)} | ${(median(socatThree) / sum).toFixed(2)} | ${list(socatThree)} |`,
  );
  if (bytes < 3 * CHUNK_BYTES) {
    console.log(
      `  (the game has fewer than three ${CHUNK_BYTES / MIB} MiB chunks: not every source can serve one)`,
    );
  }
  const bRatio = median(three) / sum;
  console.log(
    `  lanspread / sum of links: ${bRatio.toFixed(2)} — goal ≥ 0.9: ${verdict(bRatio >= 0.9)};` +
      ` lanspread / socat ×3: ${(median(three) / median(socatThree)).toFixed(2)} (per round ${list(paired(three, socatThree), 2)})`,
  );

  console.log(
    `\n(c) S52: one seeder and ${x.clients} empty clients start together, ${PORT_MBIT} Mbit/s ports`,
  );
  const sorted = r.swarm.map((s) => [...s.clientMs].sort((a, b) => a - b));
  const byRank = Array.from({ length: x.clients }, (_, k) => median(sorted.map((s) => s[k]!)));
  console.log(
    `  client times, s, fastest to slowest (median per rank): ${list(byRank.map((ms) => ms / 1000))}`,
  );
  for (const [i, s] of r.swarm.entries()) {
    console.log(
      `    round ${i + 1}, clients in start order: ${list(s.clientMs.map((ms) => ms / 1000))}`,
    );
  }
  const last = sorted.map((s) => s[s.length - 1]!);
  const lastOverAlone = paired(last, r.oneMs);
  console.log(
    `  last client / one client alone ((a)'s lanspread, same LAN, same round): ${median(lastOverAlone).toFixed(2)}` +
      ` (per round ${list(lastOverAlone, 2)}; alone ${list(r.oneMs.map((ms) => ms / 1000))} s)` +
      ` — goal ≤ 1.5: ${verdict(median(lastOverAlone) <= 1.5)}`,
  );
  const upload = r.swarm.map((s) => s.seederSentBytes / bytes);
  const mibs = (xs: number[]): number[] => xs.map((b) => b / MIB);
  console.log(
    `  seeder upload / game size: ${median(upload).toFixed(2)} (per round ${list(upload, 2)};` +
      ` its eth0's tx bytes, payload and ~0.1 %: ${list(mibs(r.swarm.map((s) => s.seederSentBytes)), 0)} MiB;` +
      ` as frames on its port: ${list(mibs(r.swarm.map((s) => s.seederFrameBytes)), 0)} MiB)` +
      ` — goal ≤ 2: ${verdict(median(upload) <= 2)}`,
  );
  console.log(`  every client's archive has the source's SHA-256`);
}
