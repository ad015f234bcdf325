/**
 * A LAN party on one machine: many real peers (separate processes from dist/cli/main.js), each
 * holding part of a shared catalog, meshed
 *   (1) by direct connect on loopback (`--no-mdns`; peer i connects to every peer j < i, so
 *       n(n-1)/2 connections), and
 *   (2) by mDNS and the broadcast beacon, each peer in its own network namespace on one bridge
 *       (`createLan`, needs root and `ip`), with no connect commands at all.
 * For each: the time until every peer has all n-1 others (`wait-peers`) and until every peer's
 * `list-games` remote aggregation is exactly what the fixture implies (each game's peer_count);
 * the time for a library change (a new game root, version.ini written last, dropped into one
 * peer's games folder) to reach every other peer (`remote-library-changed` on each, timed as the
 * bench reads it); and each idle peer's VmRSS and CPU (utime+stime over an idle window).
 * Usage: npm run bench -- mesh [peers=20] [games=200] [runs=5]
 *
 * The fixture: one catalog file of max(2*games, peers*games/4) games; each peer holds `games` of
 * them, picked by a seeded shuffle, so peers overlap unevenly (a game has 0 to several holders)
 * and every peer's expected remote list differs. A held game is a root with only version.ini at
 * the catalog version: Ready, about 9 bytes. `runs` extra catalog ids are held by nobody; the
 * change runs add them one at a time, each into another peer's folder.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCatalogFile } from '../src/catalog/index.js';
import { SeededRandom } from '../test/support/fixture-games.js';
import { createLan, type Lan } from '../test/support/netns.js';
import { CLI, PeerProcess, type Json } from '../test/scenarios/harness/peer-process.js';
import { LivePeers } from './live-peers.js';

const VERSION = '20250101';
/** Mesh formations measured per part (fresh processes each, same state folders). */
const MESH_ROUNDS = 3;
const MESH_TIMEOUT_MS = 120_000;
const CHANGE_TIMEOUT_MS = 15_000;
/** Quiet time between two change runs, and before the idle window. */
const CHANGE_GAP_MS = 1_000;
const SETTLE_MS = 2_000;
/** The idle window: three of these, so that each peer's 30 s watch check falls in it once. */
const IDLE_MS = 10_000;
const IDLE_WINDOWS = 3;
/**
 * Idle starts no earlier than this after the peers started: the beacon's fast start lasts 30 s
 * and mDNS asks again every 10 s for the first minute.
 */
const IDLE_AFTER_START_MS = 65_000;
const POLL_MS = 50;
const MIB = 1024 * 1024;
const GOAL = { meshMs: 10_000, changeMs: 1_000, rssBytes: 100e6, cpuPct: 1 };

interface Fixture {
  catalog: string;
  /** Per peer: the catalog ids it holds. */
  holdings: string[][];
  /** Per peer: what its `list-games` remote must be, id → peer_count. */
  expected: Map<string, number>[];
  /** Holders per catalog game, for the summary. */
  holders: number[];
  /** Catalog ids nobody holds, added by the change runs. */
  newIds: string[];
}

interface RemoteRowLite {
  id: string;
  peer_count: number;
}

interface RoundResult {
  /** From the clock start until every peer had n-1 peers. */
  peersMs: number;
  /** From the clock start until every peer's list-games matched the fixture. */
  aggMs: number;
  /** From the first spawn until the aggregation was complete (the mDNS part; includes startup). */
  fromSpawnMs: number;
  /** From the first spawn until the last peer was ready. */
  startupMs: number;
  /** peer-lost events seen while the mesh formed, by reason (a duplicate connection is dropped silently). */
  lost: Record<string, number>;
}

interface ChangeResult {
  game: string;
  changer: string;
  /** The changer's own local-library-changed (its watcher and rescan). */
  localMs: number;
  medianMs: number;
  lastMs: number;
}

interface IdleResult {
  /** VmRSS at the end of the first window, and at the end of the last. */
  rssMiB: number[];
  rssEndMiB: number[];
  hwmMiB: number[];
  /** % of one core per peer in the first window, and averaged over all windows. */
  cpuPct: number[];
  cpuAllPct: number[];
  windowMs: number;
  allMs: number;
  /** Seconds since the peers were ready when the idle measurement began. */
  upForS: number;
  /** Per peer over all windows, per second: mDNS answers received, beacons received. */
  mdnsPerS: number[];
  beaconsPerS: number[];
  lostWhileIdle: number;
  stillMeshed: string;
}

interface PartResult {
  title: string;
  clockFrom: string;
  rounds: RoundResult[];
  changes: ChangeResult[];
  rssAfterMeshMiB: number[];
  idle?: IdleResult;
  error?: string;
}

/** Every peer started, so that any exit path can stop them. */
const live = new LivePeers();

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function max(xs: readonly number[]): number {
  return xs.reduce((a, b) => Math.max(a, b), -Infinity);
}

/** `k` distinct indices of [0, n), a seeded partial Fisher–Yates shuffle, sorted. */
function pick(rng: SeededRandom, n: number, k: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + (rng.nextUint32() % (n - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k).sort((x, y) => x - y);
}

function peerDir(root: string, i: number): string {
  return join(root, `p${String(i).padStart(2, '0')}`);
}

function gamesDir(root: string, i: number): string {
  return join(peerDir(root, i), 'games');
}

async function buildFixture(
  root: string,
  peers: number,
  games: number,
  runs: number,
): Promise<Fixture> {
  const total = Math.max(2 * games, Math.ceil((peers * games) / 4));
  const width = String(total + runs).length;
  const ids = Array.from({ length: total }, (_, i) => `mesh-${String(i).padStart(width, '0')}`);
  const newIds = Array.from({ length: runs }, (_, i) => `mesh-new-${i + 1}`);
  const catalog = join(root, 'catalog.db');
  await writeCatalogFile(
    catalog,
    [...ids, ...newIds].map((id) => ({ id, name: `Mesh game ${id}`, version: VERSION, size: 9 })),
  );
  const holdings = Array.from({ length: peers }, (_, p) =>
    pick(new SeededRandom(`bench-mesh-${p}`), total, games).map((i) => ids[i]!),
  );
  const count = new Map<string, number>();
  for (const held of holdings) for (const id of held) count.set(id, (count.get(id) ?? 0) + 1);
  const expected = holdings.map((held) => {
    const mine = new Set(held);
    const want = new Map<string, number>();
    for (const [id, n] of count) {
      const others = n - (mine.has(id) ? 1 : 0);
      if (others > 0) want.set(id, others);
    }
    return want;
  });
  for (let p = 0; p < peers; p++) {
    const dir = gamesDir(root, p);
    await Promise.all(
      holdings[p]!.map(async (id) => {
        await mkdir(join(dir, id), { recursive: true });
        await writeFile(join(dir, id, 'version.ini'), `${VERSION}\n`);
      }),
    );
  }
  return { catalog, holdings, expected, holders: ids.map((id) => count.get(id) ?? 0), newIds };
}

/** Why `remote` is not (yet) the expected aggregation, or null when it is. */
function mismatch(remote: readonly RemoteRowLite[], want: Map<string, number>): string | null {
  const seen = new Set<string>();
  let wrong = 0;
  let extra = 0;
  let example = '';
  for (const row of remote) {
    seen.add(row.id);
    const n = want.get(row.id);
    if (n === undefined) {
      extra++;
      example ||= `${row.id} listed but expected absent`;
    } else if (n !== row.peer_count) {
      wrong++;
      example ||= `${row.id} peer_count ${row.peer_count}, expected ${n}`;
    }
  }
  const missing = [...want.keys()].filter((id) => !seen.has(id)).length;
  if (missing === 0 && wrong === 0 && extra === 0) return null;
  return `${missing} missing, ${wrong} wrong peer_count, ${extra} unexpected (e.g. ${example || 'a missing row'})`;
}

async function procFile(pid: number, file: string): Promise<string> {
  return readFile(`/proc/${pid}/${file}`, 'utf8');
}

/** The node process's pid: `ip netns exec` execs node in place, but check rather than assume. */
async function nodePid(peer: PeerProcess): Promise<number> {
  const pid = peer.pid;
  if (pid === undefined) throw new Error(`${peer.name} has no pid`);
  const comm = (await procFile(pid, 'comm')).trim();
  if (comm !== 'ip') return pid;
  const children = (await procFile(pid, `task/${pid}/children`)).trim().split(/\s+/);
  const child = Number(children[0]);
  if (!Number.isInteger(child)) throw new Error(`${peer.name}: no node process under ip (${pid})`);
  return child;
}

/** utime + stime of the whole process, in clock ticks. */
async function cpuTicks(pid: number): Promise<number> {
  const stat = await procFile(pid, 'stat');
  // Fields after the command name, which is in parentheses and may hold spaces: state is [0].
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await procFile(pid, 'status');
  const kib = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return kib / 1024;
}

function clockTicks(): number {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(out.stdout.trim());
  return Number.isInteger(n) && n > 0 ? n : 100;
}

async function startPeer(
  root: string,
  i: number,
  catalog: string,
  netns: string | undefined,
): Promise<PeerProcess> {
  const name = `peer-${String(i).padStart(2, '0')}`;
  const peer = await PeerProcess.start({
    name,
    games: gamesDir(root, i),
    state: join(peerDir(root, i), 'state'),
    stderrFile: join(root, `${name}.log`),
    catalog,
    extraArgs: ['--log-level', 'warn'],
    ...(netns === undefined ? {} : { netns }),
  });
  live.add(peer);
  return peer;
}

/** Per peer: how many peers it has and what its discovery did, for a mesh that did not form. */
async function meshDiagnosis(peers: readonly PeerProcess[]): Promise<string> {
  const lines = await Promise.all(
    peers.map(async (p) => {
      const s: Json = await p
        .cmd('status', {}, 5_000)
        .catch((err: unknown) => ({ error: String(err) }));
      const d = s.discovery as
        | {
            mdns: { announcements_sent: number; answers_received: number };
            beacon: { sent: number; received: number };
            last_error: unknown;
          }
        | undefined;
      const disc =
        d === undefined
          ? ''
          : ` mdns sent ${d.mdns.announcements_sent} answers ${d.mdns.answers_received}, beacon sent ${d.beacon.sent} received ${d.beacon.received}, last_error ${JSON.stringify(d.last_error)}`;
      return `    ${p.name}: ${String(s.peers ?? s.error)} peers;${disc}`;
    }),
  );
  return lines.join('\n');
}

/**
 * Waits until every peer has n-1 peers and its list-games is exactly the fixture's; returns the
 * moments (performance.now()) of the last peer to get there.
 */
async function awaitMesh(
  peers: readonly PeerProcess[],
  fixture: Fixture,
): Promise<{ peersAt: number; aggAt: number }> {
  const n = peers.length;
  const deadline = performance.now() + MESH_TIMEOUT_MS;
  const each = await Promise.all(
    peers.map(async (peer, i) => {
      await peer.cmd(
        'wait-peers',
        { count: n - 1, timeout_ms: MESH_TIMEOUT_MS },
        MESH_TIMEOUT_MS + 5_000,
      );
      const peersAt = performance.now();
      for (;;) {
        const games = await peer.cmd<{ remote: RemoteRowLite[] }>('list-games');
        const why = mismatch(games.remote, fixture.expected[i]!);
        if (why === null) return { peersAt, aggAt: performance.now() };
        if (performance.now() > deadline) {
          throw new Error(
            `${peer.name}: aggregation incomplete after ${MESH_TIMEOUT_MS} ms: ${why}`,
          );
        }
        await sleep(POLL_MS);
      }
    }),
  );
  return { peersAt: max(each.map((e) => e.peersAt)), aggAt: max(each.map((e) => e.aggAt)) };
}

/** Adds one new game root to `changer`'s folder; times its arrival at every other peer. */
async function propagate(
  root: string,
  peers: readonly PeerProcess[],
  changerIdx: number,
  game: string,
): Promise<ChangeResult> {
  const changer = peers[changerIdx]!;
  const hasReady = (e: Json): boolean =>
    Array.isArray(e.games) &&
    (e.games as { id?: unknown; availability?: unknown }[]).some(
      (g) => g.id === game && g.availability === 'Ready',
    );
  const at = (p: Promise<Json>): Promise<number> => p.then(() => performance.now());
  const local = at(
    changer.waitEvent(
      (e) => e.event === 'local-library-changed' && hasReady(e),
      CHANGE_TIMEOUT_MS,
      changer.events.length,
    ),
  );
  const others = peers.filter((p) => p !== changer);
  const remote = others.map((p) =>
    at(
      p.waitEvent(
        (e) => e.event === 'remote-library-changed' && e.peer_id === changer.peerId && hasReady(e),
        CHANGE_TIMEOUT_MS,
        p.events.length,
      ),
    ),
  );
  const dir = join(gamesDir(root, changerIdx), game);
  const started = performance.now();
  await mkdir(dir);
  await writeFile(join(dir, 'version.ini'), `${VERSION}\n`);
  const times = (await Promise.all(remote)).map((t) => t - started);
  const localMs = (await local) - started;
  // The event is what the UI would show; list-games must agree (not timed).
  for (const p of others) {
    const games = await p.cmd<{ remote: RemoteRowLite[] }>('list-games');
    const row = games.remote.find((r) => r.id === game);
    if (row?.peer_count !== 1) {
      throw new Error(
        `${p.name}: list-games shows ${game} as ${JSON.stringify(row)} after its event`,
      );
    }
  }
  return { game, changer: changer.name, localMs, medianMs: median(times), lastMs: max(times) };
}

async function discoveryCounts(peer: PeerProcess): Promise<{ mdns: number; beacons: number }> {
  const s = await peer.cmd<{
    discovery: { mdns: { answers_received: number }; beacon: { received: number } };
  }>('status');
  return { mdns: s.discovery.mdns.answers_received, beacons: s.discovery.beacon.received };
}

/**
 * Idle: no command but `status` (once at each end) and no library change. Starts SETTLE_MS after
 * the last change and no earlier than IDLE_AFTER_START_MS after the peers were ready.
 */
async function measureIdle(
  peers: readonly PeerProcess[],
  clk: number,
  readyAt: number,
): Promise<IdleResult> {
  await sleep(Math.max(SETTLE_MS, readyAt + IDLE_AFTER_START_MS - performance.now()));
  const upForS = (performance.now() - readyAt) / 1000;
  const pids = await Promise.all(peers.map((p) => nodePid(p)));
  const lostBefore = peers.map((p) => p.events.filter((e) => e.event === 'peer-lost').length);
  const d0 = await Promise.all(peers.map((p) => discoveryCounts(p)));
  const t0 = performance.now();
  const c0 = await Promise.all(pids.map((pid) => cpuTicks(pid)));
  await sleep(IDLE_MS);
  const c1 = await Promise.all(pids.map((pid) => cpuTicks(pid)));
  const windowMs = performance.now() - t0;
  const rssMiB = await Promise.all(pids.map((pid) => statusMiB(pid, 'VmRSS')));
  await sleep(IDLE_MS * (IDLE_WINDOWS - 1));
  const cEnd = await Promise.all(pids.map((pid) => cpuTicks(pid)));
  const allMs = performance.now() - t0;
  const d1 = await Promise.all(peers.map((p) => discoveryCounts(p)));
  const rssEndMiB = await Promise.all(pids.map((pid) => statusMiB(pid, 'VmRSS')));
  const hwmMiB = await Promise.all(pids.map((pid) => statusMiB(pid, 'VmHWM')));
  const pct = (ticks: number, ms: number): number => (ticks / clk / (ms / 1000)) * 100;
  const cpuPct = c0.map((c, i) => pct(c1[i]! - c, windowMs));
  const cpuAllPct = c0.map((c, i) => pct(cEnd[i]! - c, allMs));
  const perS = (n: number): number => n / (allMs / 1000);
  const mdnsPerS = d0.map((d, i) => perS(d1[i]!.mdns - d.mdns));
  const beaconsPerS = d0.map((d, i) => perS(d1[i]!.beacons - d.beacons));
  const lostWhileIdle = peers.reduce(
    (sum, p, i) => sum + p.events.filter((e) => e.event === 'peer-lost').length - lostBefore[i]!,
    0,
  );
  const counts = await Promise.all(peers.map((p) => p.cmd<{ peers: number }>('status')));
  const short = counts.filter((s) => s.peers !== peers.length - 1).length;
  const stillMeshed =
    short === 0 ? 'yes' : `NO: ${short} peer(s) lack peers after the idle windows`;
  return {
    rssMiB,
    rssEndMiB,
    hwmMiB,
    cpuPct,
    cpuAllPct,
    windowMs,
    allMs,
    upForS,
    mdnsPerS,
    beaconsPerS,
    lostWhileIdle,
    stillMeshed,
  };
}

interface PartOptions {
  title: string;
  clockFrom: string;
  root: string;
  fixture: Fixture;
  peers: number;
  runs: number;
  clk: number;
  /** Namespaces to run the peers in (discovery on); none = loopback with `connect`. */
  lan?: Lan;
}

async function runPart(opts: PartOptions): Promise<PartResult> {
  const { root, fixture, peers: n, lan } = opts;
  const result: PartResult = {
    title: opts.title,
    clockFrom: opts.clockFrom,
    rounds: [],
    changes: [],
    rssAfterMeshMiB: [],
  };
  let peers: PeerProcess[] = [];
  let lastReadyAt = 0;
  try {
    for (let round = 1; round <= MESH_ROUNDS; round++) {
      const spawnAt = performance.now();
      peers = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          startPeer(root, i, fixture.catalog, lan?.hosts[i]?.netns),
        ),
      );
      const readyAt = performance.now();
      lastReadyAt = readyAt;
      let connects: Promise<unknown> = Promise.resolve();
      if (lan === undefined) {
        // Peer i dials every lower-numbered peer, all at once: n(n-1)/2 connections.
        connects = Promise.all(
          peers.flatMap((p, i) =>
            peers.slice(0, i).map(async (q) => {
              const r = await p.cmd<{ peer_id: string }>(
                'connect',
                { addr: q.addr },
                MESH_TIMEOUT_MS,
              );
              if (r.peer_id !== q.peerId)
                throw new Error(`${p.name} reached ${r.peer_id}, not ${q.name}`);
            }),
          ),
        );
      }
      let mesh: { peersAt: number; aggAt: number };
      try {
        [mesh] = await Promise.all([awaitMesh(peers, fixture), connects]);
      } catch (err) {
        throw new Error(
          `round ${round}: ${err instanceof Error ? err.message : String(err)}\n${await meshDiagnosis(peers)}`,
        );
      }
      const lost: Record<string, number> = {};
      for (const p of peers) {
        for (const e of p.events) {
          if (e.event === 'peer-lost') lost[String(e.reason)] = (lost[String(e.reason)] ?? 0) + 1;
        }
      }
      const lostText = Object.entries(lost)
        .map(([reason, count]) => `${count} ${reason}`)
        .join(', ');
      const r: RoundResult = {
        peersMs: mesh.peersAt - readyAt,
        aggMs: mesh.aggAt - readyAt,
        fromSpawnMs: mesh.aggAt - spawnAt,
        startupMs: readyAt - spawnAt,
        lost,
      };
      result.rounds.push(r);
      console.log(
        `  round ${round}: all ${n} ready after ${(r.startupMs / 1000).toFixed(2)} s; then every peer had ${n - 1} peers after ${(r.peersMs / 1000).toFixed(2)} s, full aggregation after ${(r.aggMs / 1000).toFixed(2)} s (${(r.fromSpawnMs / 1000).toFixed(2)} s from the first spawn); peer-lost events: ${lostText || 'none'}`,
      );
      if (round < MESH_ROUNDS) {
        await live.stopAll(peers);
        peers = [];
      }
    }
    const pids = await Promise.all(peers.map((p) => nodePid(p)));
    result.rssAfterMeshMiB = await Promise.all(pids.map((pid) => statusMiB(pid, 'VmRSS')));

    for (let k = 0; k < opts.runs; k++) {
      await sleep(CHANGE_GAP_MS);
      // A different changer each run, spread over the peers.
      const changerIdx = (3 + k * Math.max(1, Math.floor(n / opts.runs))) % n;
      const c = await propagate(root, peers, changerIdx, fixture.newIds[k]!);
      result.changes.push(c);
      console.log(
        `  change ${k + 1}: ${c.game} added at ${c.changer}: its own rescan after ${c.localMs.toFixed(0)} ms; seen by the other ${n - 1} after median ${c.medianMs.toFixed(0)} ms, last ${c.lastMs.toFixed(0)} ms`,
      );
    }

    console.log(
      `  idle: ${IDLE_WINDOWS} windows of ${IDLE_MS / 1000} s, from >= ${SETTLE_MS / 1000} s after the last change and >= ${IDLE_AFTER_START_MS / 1000} s after start …`,
    );
    result.idle = await measureIdle(peers, opts.clk, lastReadyAt);
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    console.log(`  FAILED: ${result.error}`);
  } finally {
    // Every peer still running, also those of a round whose start failed half-way.
    await live.stopAll();
    // The next part starts from the same fixture.
    for (let i = 0; i < n; i++) {
      for (const id of fixture.newIds)
        await rm(join(gamesDir(root, i), id), { recursive: true, force: true });
    }
  }
  return result;
}

function verdict(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}

function report(part: PartResult, n: number): void {
  console.log(`\n${part.title}`);
  if (part.rounds.length > 0) {
    const peersMs = part.rounds.map((r) => r.peersMs);
    const aggMs = part.rounds.map((r) => r.aggMs);
    const spawnMs = part.rounds.map((r) => r.fromSpawnMs);
    const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    console.log(
      `  clock starts ${part.clockFrom}; ${part.rounds.length} mesh formation(s), medians`,
    );
    console.log(
      `  ${`every peer has all ${n - 1} others`.padEnd(34)}${s(median(peersMs)).padStart(8)}   runs: ${peersMs.map(s).join(', ')}`,
    );
    console.log(
      `  ${'full aggregation at every peer'.padEnd(34)}${s(median(aggMs)).padStart(8)}   runs: ${aggMs.map(s).join(', ')}   (goal full mesh < 10 s: ${verdict(median(aggMs) < GOAL.meshMs)})`,
    );
    const lost = part.rounds.map(
      (r) =>
        Object.entries(r.lost)
          .map(([reason, count]) => `${count} ${reason}`)
          .join(' + ') || '0',
    );
    console.log(
      `    ${'same, from the first spawn'.padEnd(32)}${s(median(spawnMs)).padStart(8)}   runs: ${spawnMs.map(s).join(', ')}   (includes starting ${n} processes at once)`,
    );
    console.log(`  peer-lost events while meshing, per round: ${lost.join('; ')}`);
  }
  if (part.changes.length > 0) {
    const last = part.changes.map((c) => c.lastMs);
    const ms = (x: number): string => `${x.toFixed(0)} ms`;
    console.log(
      `  ${'change visible at every peer'.padEnd(34)}${ms(median(last)).padStart(8)}   runs: ${last.map(ms).join(', ')}   (goal < 1 s: ${verdict(median(last) < GOAL.changeMs)}; worst run ${verdict(max(last) < GOAL.changeMs)})`,
    );
    console.log(
      `    the changer's own rescan took ${ms(median(part.changes.map((c) => c.localMs)))} (median; watcher debounce 300 ms), median peer ${ms(median(part.changes.map((c) => c.medianMs)))}`,
    );
  }
  if (part.idle !== undefined) {
    const idle = part.idle;
    const mib = (x: number): string => `${x.toFixed(1)} MiB`;
    const pct = (x: number): string => `${x.toFixed(2)} %`;
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    const rssOk =
      max(idle.rssMiB) * MIB < GOAL.rssBytes && max(idle.rssEndMiB) * MIB < GOAL.rssBytes;
    console.log(
      `  idle from ${idle.upForS.toFixed(0)} s after the peers were ready; ${(idle.windowMs / 1000).toFixed(1)} s window, then on to ${(idle.allMs / 1000).toFixed(1)} s`,
    );
    console.log(
      `  ${`idle RSS per peer after ${(idle.windowMs / 1000).toFixed(0)} s`.padEnd(34)}median ${mib(median(idle.rssMiB))}, max ${mib(max(idle.rssMiB))}   (goal < 100 MB: ${verdict(rssOk)})`,
    );
    console.log(
      `    after ${(idle.allMs / 1000).toFixed(0)} s: median ${mib(median(idle.rssEndMiB))}, max ${mib(max(idle.rssEndMiB))}; right after the mesh formed: median ${mib(median(part.rssAfterMeshMiB))}, max ${mib(max(part.rssAfterMeshMiB))}; peak (VmHWM) max ${mib(max(idle.hwmMiB))}`,
    );
    console.log(
      `  ${`idle CPU per peer over ${(idle.windowMs / 1000).toFixed(0)} s`.padEnd(34)}median ${pct(median(idle.cpuPct))}, max ${pct(max(idle.cpuPct))} of one core   (goal < 1 %: ${verdict(max(idle.cpuPct) < GOAL.cpuPct)}); all ${n} peers together ${pct(sum(idle.cpuPct))}`,
    );
    console.log(
      `    over ${(idle.allMs / 1000).toFixed(0)} s (each peer's 30 s watch check once): median ${pct(median(idle.cpuAllPct))}, max ${pct(max(idle.cpuAllPct))}   (goal < 1 %: ${verdict(max(idle.cpuAllPct) < GOAL.cpuPct)}); all together ${pct(sum(idle.cpuAllPct))}`,
    );
    if (max(idle.mdnsPerS) > 0 || max(idle.beaconsPerS) > 0) {
      console.log(
        `    discovery traffic received per idle peer: mDNS answers median ${median(idle.mdnsPerS).toFixed(1)}/s, beacons median ${median(idle.beaconsPerS).toFixed(2)}/s`,
      );
    }
    console.log(
      `  still fully meshed after idling: ${idle.stillMeshed}; peer-lost events while idle: ${idle.lostWhileIdle}`,
    );
  }
  if (part.error !== undefined) console.log(`  FAILED: ${part.error}`);
}

/** Why the mDNS part cannot run here, or null when it can. */
function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root';
  const probe = spawnSync('ip', ['netns', 'list']);
  if (probe.error !== undefined || probe.status !== 0) {
    return `\`ip netns\` unavailable: ${String(probe.error ?? probe.stderr)}`;
  }
  return null;
}

export async function run(args: string[]): Promise<void> {
  const peers = Number(args[0] ?? 20);
  const games = Number(args[1] ?? 200);
  const runs = Number(args[2] ?? 5);
  if (![peers, games, runs].every(Number.isInteger) || peers < 2 || games < 1 || runs < 1) {
    throw new Error('usage: npm run bench -- mesh [peers >= 2] [games >= 1] [runs >= 1]');
  }
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const root = await mkdtemp(join(tmpdir(), 'lanspread-bench-mesh-'));
  let lan: Lan | undefined;
  // Ctrl-C or a kill: stop the peers, remove the namespaces and the temp folder, then exit.
  const onSignal = (signal: NodeJS.Signals): void => {
    live.killAll();
    lan?.destroy();
    rmSync(root, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const clk = clockTicks();
    const fixture = await buildFixture(root, peers, games, runs);
    const holders = fixture.holders;
    const remoteSizes = fixture.expected.map((m) => m.size);
    console.log(
      `mesh: ${peers} peers, each holding ${games} games of a ${holders.length}-game catalog (+${runs} for the change runs);` +
        ` holders per game min ${Math.min(...holders)} / median ${median(holders)} / max ${max(holders)},` +
        ` ${holders.filter((h) => h === 0).length} held by nobody; each peer expects ${Math.min(...remoteSizes)}–${max(remoteSizes)} remote rows.` +
        ` Machine: ${cpus().length} CPU(s), ${cpus()[0]?.model ?? '?'}; node ${process.version}.`,
    );

    console.log(
      `\n(1) direct connect on loopback (--no-mdns), ${(peers * (peers - 1)) / 2} connections …`,
    );
    const loopback = await runPart({
      title: `(1) direct connect on loopback (--no-mdns; peer i connects to every peer j < i, ${(peers * (peers - 1)) / 2} connections at once)`,
      clockFrom: 'when all peers are ready, as the connect commands go out',
      root,
      fixture,
      peers,
      runs,
      clk,
    });

    const why = netnsUnavailable();
    let mdns: PartResult | undefined;
    let mdnsSkipped: string | undefined;
    if (why !== null) {
      mdnsSkipped = `(2) mDNS in network namespaces: NOT RUN (${why}); it needs root and iproute2's \`ip netns\`, e.g. sudo npm run bench -- mesh ${peers} ${games} ${runs}`;
      console.log(`\n${mdnsSkipped}`);
    } else {
      console.log(`\n(2) mDNS discovery, one network namespace per peer on one bridge …`);
      try {
        lan = createLan(peers);
      } catch (err) {
        mdnsSkipped = `(2) mDNS in network namespaces: NOT RUN, createLan(${peers}) failed: ${err instanceof Error ? err.message : String(err)}`;
      }
      if (lan !== undefined) {
        mdns = await runPart({
          title: `(2) mDNS + beacon discovery, ${peers} network namespaces on one bridge (no connect commands)`,
          clockFrom: 'when the last peer is ready (discovery already runs while the others start)',
          root,
          fixture,
          peers,
          runs,
          clk,
          lan,
        });
      }
    }

    console.log(
      `\n=== mesh: ${peers} peers x ${games} games (catalog ${holders.length + runs}), change runs ${runs} ===`,
    );
    report(loopback, peers);
    if (mdns !== undefined) report(mdns, peers);
    if (mdnsSkipped !== undefined) console.log(`\n${mdnsSkipped}`);
    console.log(
      `\n  timings are as the bench reads each peer's stdout line; CPU = utime+stime from /proc/PID/stat` +
        ` (${clk} ticks/s), RSS = VmRSS from /proc/PID/status; the peers' 30 s` +
        ` watch check, their safety-net rescan (every 5 min while every watch is open, so not` +
        ` in the window) and 5 s pings run as by default.`,
    );
    console.log(`  reproduce: npm run bench -- mesh ${peers} ${games} ${runs}`);
  } finally {
    await live.stopAll();
    lan?.destroy();
    await rm(root, { recursive: true, force: true });
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
