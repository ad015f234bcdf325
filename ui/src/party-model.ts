/**
 * The party board's figures (pure): rates from byte counters sampled over time, the downloads
 * running on the LAN, the games only one peer holds, the top sources, why a peer is unreachable
 * and how its lanspread release compares with ours.
 */
import type { DiscoveryStatus, PeerRow, UnreachablePeerRow } from './api-types.js';
import type { LibraryGame } from './game-model.js';

/** The graph shows this much of the past. */
export const RATE_WINDOW_MS = 120_000;

/** Byte counters read at one moment: this peer's totals, each download's and each peer's. */
export interface TrafficSample {
  atMs: number;
  sentBytes: number;
  receivedBytes: number;
  /** Bytes done of each download running here, by game. */
  downloads: Record<string, number>;
  /** Bytes each connected peer served us, by peer id (absent until the peers were read). */
  fromPeers: Record<string, number>;
}

const MIB = 1024 * 1024;

/** The smallest of 1, 2, 5 × 10^n MiB/s at or above `max`, so the scale reads in round figures. */
export function niceScale(maxBytesPerSecond: number): number {
  const mib = Math.max(maxBytesPerSecond / MIB, 0.1);
  const power = 10 ** Math.floor(Math.log10(mib));
  const step = [1, 2, 5, 10].find((m) => m * power >= mib) ?? 10;
  return step * power * MIB;
}

export interface RatePoint {
  atMs: number;
  bytesPerSecond: number;
}

/** The samples with `sample` added, less those too old to draw (one older is kept: a rate needs two). */
export function addSample(
  samples: readonly TrafficSample[],
  sample: TrafficSample,
  windowMs = RATE_WINDOW_MS,
): TrafficSample[] {
  const next = [...samples, sample];
  const firstInWindow = next.findIndex((s) => sample.atMs - s.atMs <= windowMs);
  return next.slice(Math.max(0, firstInWindow - 1));
}

/** Rates are measured over at least this long: one-second steps jump as whole chunks land. */
export const RATE_SPAN_MS = 3_000;

/**
 * The rate at each sample, over the span back to the latest sample at least `spanMs` older (or
 * the oldest one) that holds the counter too. A counter that went back (the peer restarted, a
 * download began again) gives no negative rate: that span counts as zero.
 */
export function rateSeries(
  samples: readonly TrafficSample[],
  counter: (sample: TrafficSample) => number | undefined,
  spanMs = RATE_SPAN_MS,
): RatePoint[] {
  const points: RatePoint[] = [];
  samples.forEach((now, i) => {
    const b = counter(now);
    if (b === undefined) return;
    let from: { atMs: number; value: number } | undefined;
    for (let j = i - 1; j >= 0; j--) {
      const before = samples[j];
      const a = before === undefined ? undefined : counter(before);
      if (before === undefined || a === undefined) break;
      from = { atMs: before.atMs, value: a };
      if (now.atMs - before.atMs >= spanMs) break;
    }
    if (from === undefined || now.atMs <= from.atMs) return;
    const seconds = (now.atMs - from.atMs) / 1000;
    points.push({ atMs: now.atMs, bytesPerSecond: Math.max(0, b - from.value) / seconds });
  });
  return points;
}

/** The rate of the last step of a series; 0 when it has none. */
export function currentRate(points: readonly RatePoint[]): number {
  return points.at(-1)?.bytesPerSecond ?? 0;
}

/** A download running on the LAN: ours (`self`) or another peer's, from its partial holdings. */
export interface LanDownload {
  game: string;
  name: string;
  /** Who downloads it: a peer's name, or this peer's. */
  who: string;
  self: boolean;
  /** 0–1; null while the size is not known yet. */
  fraction: number | null;
  /** How far it is, in words (bytes here, chunks for another peer). */
  detail: string;
  /** Ours only: queued or paused rather than running. */
  waiting?: 'queued' | 'paused';
}

export function lanDownloads(
  library: readonly LibraryGame[],
  peers: readonly PeerRow[],
  selfName: string,
  formatBytes: (bytes: number) => string,
): LanDownload[] {
  const names = new Map(library.map((game) => [game.id, game.name]));
  const ours: LanDownload[] = [];
  for (const game of library) {
    const op = game.operation;
    if (op !== undefined && (op.kind === 'download' || op.kind === 'update')) {
      const { bytesDone, bytesTotal } = op.progress;
      ours.push({
        game: game.id,
        name: game.name,
        who: selfName,
        self: true,
        fraction: bytesTotal === null || bytesTotal === 0 ? null : bytesDone / bytesTotal,
        detail:
          bytesTotal === null
            ? 'starting'
            : `${formatBytes(bytesDone)} of ${formatBytes(bytesTotal)}`,
      });
    } else if (game.queue !== undefined && game.queue.state !== 'running') {
      ours.push({
        game: game.id,
        name: game.name,
        who: selfName,
        self: true,
        fraction: null,
        detail: game.queue.state === 'paused' ? 'paused' : `queued, #${game.queue.position}`,
        waiting: game.queue.state,
      });
    }
  }
  const theirs = peers.flatMap((peer) =>
    peer.fetching.map((f): LanDownload => ({
      game: f.game,
      name: names.get(f.game) ?? f.game,
      who: peer.name,
      self: false,
      fraction: f.have_chunks / f.total_chunks,
      detail: `${f.have_chunks} of ${f.total_chunks} chunks`,
    })),
  );
  theirs.sort((a, b) => a.name.localeCompare(b.name) || a.who.localeCompare(b.who));
  return [...ours, ...theirs];
}

/** A game exactly one peer can serve at our catalog version: if it leaves, nobody can get it. */
export interface LastCopy {
  game: string;
  name: string;
  holder: string;
  /** The one holder is this peer. */
  self: boolean;
  /** Peers downloading it now: soon it may have more holders. */
  downloaders: number;
}

export function lastCopies(
  library: readonly LibraryGame[],
  peers: readonly PeerRow[],
  selfName: string,
): LastCopy[] {
  const copies: LastCopy[] = [];
  for (const game of library) {
    const holders = peers
      .filter((peer) => peer.games.some((g) => g.id === game.id && g.availability === 'Ready'))
      .map((peer) => peer.name);
    const here =
      game.local?.downloaded === true && game.local.eti_game_version === game.catalogVersion;
    const holder = here ? selfName : holders[0];
    if (holders.length + (here ? 1 : 0) !== 1 || holder === undefined) continue;
    const downloaders =
      peers.filter((peer) => peer.fetching.some((f) => f.game === game.id)).length +
      (game.operation?.kind === 'download' ? 1 : 0);
    copies.push({
      game: game.id,
      name: game.name,
      holder,
      self: here,
      downloaders,
    });
  }
  return copies.sort((a, b) => a.holder.localeCompare(b.holder) || a.name.localeCompare(b.name));
}

/** A peer that served us, with what it served since this peer started and at what rate now. */
export interface TopSource {
  peerId: string;
  name: string;
  receivedBytes: number;
  sentBytes: number;
  bytesPerSecond: number;
}

/** The peers that served us most, most first; peers that served nothing are left out. */
export function topSources(
  peers: readonly PeerRow[],
  samples: readonly TrafficSample[],
  limit = 5,
): TopSource[] {
  return peers
    .filter((peer) => peer.received_bytes > 0)
    .map((peer) => ({
      peerId: peer.peer_id,
      name: peer.name,
      receivedBytes: peer.received_bytes,
      sentBytes: peer.sent_bytes,
      // The last few samples span RATE_SPAN_MS: the rate now, without the whole series.
      bytesPerSecond: currentRate(rateSeries(samples.slice(-5), (s) => s.fromPeers[peer.peer_id])),
    }))
    .sort((a, b) => b.receivedBytes - a.receivedBytes || a.name.localeCompare(b.name))
    .slice(0, limit);
}

export type UnreachableCause =
  'firewall' | 'refused' | 'subnet' | 'stale' | 'incompatible' | 'unknown';

/** The likely reason a discovered peer's dials fail, from the error and the addresses involved. */
export function unreachableCause(
  peer: Pick<UnreachablePeerRow, 'addr' | 'error'>,
  interfaces: readonly { address: string }[],
): UnreachableCause {
  const error = peer.error.toLowerCase();
  if (error.includes('another peer answered')) return 'stale';
  // The transport's words (src/net/transport.ts), or Node's codes.
  if (/ehostunreach|enetunreach|no route/.test(error)) return 'subnet';
  if (/econnrefused|connection refused/.test(error)) return 'refused';
  if (/protocol|handshake|certificate|tls/.test(error)) return 'incompatible';
  if (/etimedout|timed out|timeout/.test(error)) {
    return onOurSubnets(peer.addr, interfaces) ? 'firewall' : 'subnet';
  }
  return 'unknown';
}

export const CAUSE_SENTENCES: Record<UnreachableCause, string> = {
  firewall: 'No answer: a firewall on that computer likely drops lanspread (see Share → firewall).',
  refused: 'Connection refused: lanspread stopped there, or its firewall rejects the port.',
  subnet: 'Not routable from here: it is on a different subnet, or the Wi-Fi isolates its clients.',
  stale: 'Another peer answers at that address now: the announcement was stale.',
  incompatible: 'The handshake failed: it may run another lanspread version.',
  unknown: 'Could not connect.',
};

/** How a peer's lanspread release compares with ours. */
export type VersionSkew = 'same' | 'older' | 'newer' | 'other';

const RELEASE = /^(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/**
 * Semver precedence as far as it is sure: the numbers first, then a pre-release below its
 * release. Two different pre-releases or builds of one release, or a version that is not semver,
 * are just `other`. Null when either release is unknown.
 */
export function versionSkew(theirs: string | null, ours: string | null): VersionSkew | null {
  if (theirs === null || ours === null) return null;
  if (theirs === ours) return 'same';
  const a = RELEASE.exec(theirs);
  const b = RELEASE.exec(ours);
  if (a === null || b === null) return 'other';
  for (const part of [1, 2, 3]) {
    const diff = Number(a[part]) - Number(b[part]);
    if (diff !== 0) return diff < 0 ? 'older' : 'newer';
  }
  const [theirPre, ourPre] = [a[4], b[4]];
  if (theirPre !== undefined && ourPre === undefined) return 'older';
  if (theirPre === undefined && ourPre !== undefined) return 'newer';
  return 'other';
}

const SKEW_WORDS: Record<Exclude<VersionSkew, 'same'>, string> = {
  older: 'older than yours',
  newer: 'newer than yours',
  other: 'not the same build as yours',
};

/**
 * What the board says of a peer's release: "lanspread 0.1.0", with a warning when it differs
 * from ours (mixed builds at a party are a real cause of trouble), or "version unknown".
 */
export function versionLabel(
  theirs: string | null,
  ours: string | null,
): { text: string; warning: string | null } {
  if (theirs === null) return { text: 'version unknown', warning: null };
  const skew = versionSkew(theirs, ours);
  return {
    text: `lanspread ${theirs}`,
    warning: skew === null || skew === 'same' ? null : SKEW_WORDS[skew],
  };
}

/**
 * Whether the address is on one of our interfaces' /24 networks: the interfaces' masks are not
 * reported, and a LAN party's network is nearly always a /24.
 */
function onOurSubnets(addr: string, interfaces: readonly { address: string }[]): boolean {
  const prefix = (ip: string): string | null =>
    /^(\d+\.\d+\.\d+)\.\d+/.exec(ip.replace(/^\[|\]$/g, ''))?.[1] ?? null;
  const theirs = prefix(addr);
  if (theirs === null) return true;
  return interfaces.some((i) => prefix(i.address) === theirs);
}

/**
 * What discovery's counters say about the network: null when it works (or is off). Announcements
 * sent and none heard means multicast and broadcast do not pass (Wi-Fi client isolation, a
 * managed switch) or nobody else runs lanspread; peers connected by hand prove the first.
 */
export function discoveryHint(discovery: DiscoveryStatus, connectedPeers: number): string | null {
  const sent = discovery.mdns.announcements_sent + discovery.beacon.sent;
  const heard = discovery.mdns.answers_received + discovery.beacon.received;
  if (!discovery.mdns.running && !discovery.beacon.running) return null;
  if (sent === 0 || heard > 0) return null;
  return connectedPeers > 0
    ? 'Discovery heard nobody, though peers are connected by address: this network likely blocks multicast and broadcast. Peers must connect by address (Peers page).'
    : 'Discovery heard nobody yet: you may be the first here, or this network blocks multicast and broadcast. Connect by address on the Peers page.';
}
