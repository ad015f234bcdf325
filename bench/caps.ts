/**
 * Bandwidth caps (issue 19): how close a download held by a cap runs to it, and how fast it goes
 * once the cap is lifted. Two real peers on loopback (`dist/cli/main.js`), sparse archives (no
 * disk reads), 1 MiB chunks (progress in fine steps):
 *   (a) upload caps of 2, 8 and 32 MiB/s on the source, each download sized to `seconds` at its
 *       cap: the rate achieved from 10 % of the game to its end, against the cap;
 *   (b) a download cap of 8 MiB/s on the client, the source uncapped: the same;
 *   (c) 256 MiB from a source capped at 8 MiB/s, the cap lifted `seconds / 2` after 10 % of it
 *       had come: the rate
 *       before and after, and the time against the capped rate's;
 *   (d) fairness: one source capped at 16 MiB/s serving two downloaders at once, each its own
 *       game, one asking 1 MiB chunks (frames of 0.8 + 0.2 MiB under this cap) and one the
 *       default 32 MiB (frames of 0.8 MiB): each one's rate, from the source's bytes sent to it,
 *       over the time both run (both past 10 % of their game, until the first is done), their
 *       sum against the cap, and slower / faster;
 *   (e) the same, the 32 MiB downloader started 3 s before the other: the same figures once
 *       both run, and slower / faster second by second (the shares converge).
 * Usage: npm run bench -- caps [seconds=6]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PeerProcess, type Json } from '../test/scenarios/harness/peer-process.js';
import { LivePeers } from './live-peers.js';
import { writeSparseGame } from '../test/support/fixture-games.js';

const MIB = 1024 * 1024;
const LIFTED_MIB = 256;
const TIMEOUT_MS = 600_000;
/** The source's upload cap in (d) and (e), shared by two downloaders. */
const SHARED_CAP_MIB = 16;
/** How much earlier (e)'s first downloader starts. */
const HEAD_START_MS = 3_000;
/** How often the source's bytes sent per peer are read. */
const SAMPLE_MS = 200;

/**
 * Downloads `game`; from the first progress past 10 % to the answer: MiB/s. `lift` runs
 * `afterMs` past that point, and the rates before and after it are kept.
 */
async function measure(
  client: PeerProcess,
  game: string,
  bytes: number,
  lift?: { afterMs: number; run: () => Promise<void> },
): Promise<{ mibPerS: number; seconds: number; before?: number; after?: number }> {
  const from = client.events.length;
  const started = performance.now();
  const answer = client.request('download', { game, install: false }, TIMEOUT_MS);
  const tenth: Json = await client.waitEvent(
    (e) => e.event === 'download-progress' && Number(e.bytes_done) >= bytes / 10,
    TIMEOUT_MS,
    from,
  );
  const t1 = performance.now();
  const b1 = Number(tenth.bytes_done);
  let mark: { at: number; bytes: number } | undefined;
  if (lift !== undefined) {
    await sleep(lift.afterMs);
    // The next progress as it arrives: its bytes at the time it is read.
    const next: Json = await client.waitEvent(
      (e) => e.event === 'download-progress',
      TIMEOUT_MS,
      client.events.length,
    );
    mark = { at: performance.now(), bytes: Number(next.bytes_done) };
    await lift.run();
  }
  const done = await answer;
  if (!done.ok) throw new Error(`${game}: ${JSON.stringify(done.error)}`);
  const t2 = performance.now();
  const rate = (a: number, b: number, ms: number): number => (b - a) / MIB / (ms / 1000);
  return {
    mibPerS: rate(b1, bytes, t2 - t1),
    seconds: (t2 - started) / 1000,
    ...(mark === undefined
      ? {}
      : {
          before: rate(b1, mark.bytes, mark.at - t1),
          after: rate(mark.bytes, bytes, t2 - mark.at),
        }),
  };
}

/** One downloader of (d) or (e): its peer, its game and the game's size in bytes. */
interface Share {
  client: PeerProcess;
  game: string;
  bytes: number;
  /** After the first download's request. */
  delayMs: number;
}

/** At `at` ms, the bytes the source has sent to each downloader in this run. */
interface Sample {
  at: number;
  sent: number[];
}

interface ShareFigures {
  /** MiB/s of each downloader over the time both ran. */
  rates: number[];
  windowS: number;
  /** Slower / faster in each whole second of that time. */
  perSecond: number[];
}

/**
 * Runs the downloads of `shares` (each after its delay), reading the source's bytes sent to each
 * peer every SAMPLE_MS; the figures are of the samples from when every one had passed 10 % of its
 * game to the last before one of them had all of it.
 */
async function measureShares(source: PeerProcess, shares: Share[]): Promise<ShareFigures> {
  const sentTo = async (): Promise<number[]> => {
    const rows = await source.cmd<{ peer_id: string; sent_bytes: number }[]>('list-peers');
    return shares.map((s) => rows.find((r) => r.peer_id === s.client.peerId)?.sent_bytes ?? 0);
  };
  const base = await sentTo();
  const t0 = performance.now();
  let running = true;
  const answers = Promise.all(
    shares.map(async (s) => {
      await sleep(s.delayMs);
      const done = await s.client.request('download', { game: s.game, install: false }, TIMEOUT_MS);
      if (!done.ok) throw new Error(`${s.game}: ${JSON.stringify(done.error)}`);
    }),
  ).finally(() => {
    running = false;
  });
  const samples: Sample[] = [];
  while (running) {
    const sent = await sentTo();
    samples.push({ at: performance.now() - t0, sent: sent.map((b, i) => b - (base[i] ?? 0)) });
    await sleep(SAMPLE_MS);
  }
  await answers;
  const all = (pass: (sent: number, bytes: number) => boolean) => (x: Sample) =>
    x.sent.every((b, i) => pass(b, shares[i]?.bytes ?? 0));
  const from = samples.find(all((b, bytes) => b >= bytes / 10));
  const to = samples.findLast(all((b, bytes) => b < bytes));
  if (from === undefined || to === undefined || to.at - from.at < 1_000) {
    throw new Error('the downloads did not run together for a second: give them more seconds');
  }
  const rate = (a: Sample, b: Sample, i: number): number =>
    ((b.sent[i] ?? 0) - (a.sent[i] ?? 0)) / MIB / ((b.at - a.at) / 1000);
  const ratio = (a: Sample, b: Sample): number => {
    const rates = shares.map((_, i) => rate(a, b, i));
    return Math.min(...rates) / Math.max(...rates);
  };
  const perSecond: number[] = [];
  let mark = from;
  for (const x of samples) {
    if (x.at > to.at) break;
    if (x.at - mark.at >= 1_000) {
      perSecond.push(ratio(mark, x));
      mark = x;
    }
  }
  return {
    rates: shares.map((_, i) => rate(from, to, i)),
    windowS: (to.at - from.at) / 1000,
    perSecond,
  };
}

function pct(fraction: number): string {
  return `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(1)} %`;
}

function shareLines(label: string, names: string[], f: ShareFigures): string {
  const rates = f.rates.map((r, i) => `${names[i]} ${r.toFixed(2)}`).join(', ');
  const sum = f.rates.reduce((a, b) => a + b, 0);
  return (
    `${label}, cap ${SHARED_CAP_MIB} MiB/s, over the ${f.windowS.toFixed(1)} s both ran: ${rates} MiB/s;` +
    ` sum ${sum.toFixed(2)} (${pct(sum / SHARED_CAP_MIB - 1)}); slower / faster` +
    ` ${(Math.min(...f.rates) / Math.max(...f.rates)).toFixed(3)}, per second` +
    ` ${f.perSecond.map((r) => r.toFixed(2)).join(' ')}`
  );
}

function line(label: string, set: number, got: number): string {
  const off = ((got / set - 1) * 100).toFixed(1);
  return `${label.padEnd(24)} set ${String(set).padStart(3)} MiB/s  achieved ${got.toFixed(2).padStart(6)} MiB/s  (${off} %)`;
}

export async function run(args: string[]): Promise<void> {
  const seconds = Number(args[0] ?? 6);
  if (!(seconds >= 2)) throw new Error('usage: npm run bench -- caps [seconds ≥ 2]');
  const root = await mkdtemp(join(tmpdir(), 'lanspread-bench-caps-'));
  const live = new LivePeers();
  const onSignal = (): void => {
    live.killAll();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  try {
    const uploads = [
      ['alienswarm', 2],
      ['aoe2', 8],
      ['bf1942', 32],
    ] as const;
    const games = join(root, 'source', 'games');
    const sizes = new Map<string, number>();
    for (const [id, cap] of uploads)
      sizes.set(id, await writeSparseGame(games, id, cap * seconds * MIB));
    sizes.set('bfbc2', await writeSparseGame(games, 'bfbc2', 8 * seconds * MIB));
    sizes.set('cnc4', await writeSparseGame(games, 'cnc4', LIFTED_MIB * MIB));
    // (d) and (e): enough for `seconds` at half the cap once both run; (e)'s first also for its head start.
    const half = (SHARED_CAP_MIB / 2) * seconds * 1.25;
    const headStart = SHARED_CAP_MIB * (HEAD_START_MS / 1000);
    for (const [id, mib] of [
      ['cnctw', half],
      ['cod5', half],
      ['css', headStart + half],
      ['ggoo', half],
    ] as const) {
      sizes.set(id, await writeSparseGame(games, id, Math.ceil(mib) * MIB));
    }
    const start = (name: string, extra: string[]): Promise<PeerProcess> =>
      PeerProcess.start({
        name,
        games: join(root, name, 'games'),
        state: join(root, name, 'state'),
        stderrFile: join(root, `${name}.log`),
        extraArgs: ['--log-level', 'warn', ...extra],
      }).then((peer) => live.add(peer));
    const source = await start('source', []);
    const client = await start('client', ['--chunk-size', String(MIB)]);
    // The second downloader of (d) and (e), at the default 32 MiB chunks.
    const client32 = await start('client32', []);
    for (const peer of [client, client32]) {
      await peer.cmd('connect', { addr: source.addr });
      await peer.cmd('wait-peers', { count: 1, timeout_ms: 10_000 });
    }

    console.log(`caps: ${seconds} s at each cap, loopback, sparse archives, 1 MiB chunks`);
    /** Achieved / set of (a) and (b). */
    const accuracy: number[] = [];
    for (const [id, cap] of uploads) {
      await source.cmd('set-limits', { upload_mib_s: cap });
      const got = await measure(client, id, sizes.get(id) ?? 0);
      console.log(line(`upload cap (${id})`, cap, got.mibPerS));
      accuracy.push(got.mibPerS / cap);
    }
    await source.cmd('set-limits', { upload_mib_s: null });
    await client.cmd('set-limits', { download_mib_s: 8 });
    const down = await measure(client, 'bfbc2', sizes.get('bfbc2') ?? 0);
    console.log(line('download cap (bfbc2)', 8, down.mibPerS));
    accuracy.push(down.mibPerS / 8);
    await client.cmd('set-limits', { download_mib_s: null });

    await source.cmd('set-limits', { upload_mib_s: 8 });
    const lifted = await measure(client, 'cnc4', sizes.get('cnc4') ?? 0, {
      afterMs: (seconds / 2) * 1000,
      run: async () => {
        await source.cmd('set-limits', { upload_mib_s: null });
      },
    });
    const cappedSeconds = LIFTED_MIB / 8;
    console.log(
      `lifted mid-transfer (cnc4, ${LIFTED_MIB} MiB): ${lifted.before?.toFixed(2)} MiB/s capped at 8, ` +
        `${lifted.after?.toFixed(1)} MiB/s after; done in ${lifted.seconds.toFixed(1)} s ` +
        `(${cappedSeconds.toFixed(0)} s at the cap)`,
    );

    await source.cmd('set-limits', { upload_mib_s: SHARED_CAP_MIB });
    const share = (peer: PeerProcess, game: string, delayMs = 0): Share => ({
      client: peer,
      game,
      bytes: sizes.get(game) ?? 0,
      delayMs,
    });
    const together = await measureShares(source, [share(client, 'cnctw'), share(client32, 'cod5')]);
    console.log(shareLines('(d) two at once', ['1 MiB chunks', '32 MiB chunks'], together));
    const staggered = await measureShares(source, [
      share(client32, 'css'),
      share(client, 'ggoo', HEAD_START_MS),
    ]);
    console.log(
      shareLines(
        `(e) 32 MiB ${HEAD_START_MS / 1000} s ahead`,
        ['32 MiB chunks, first', '1 MiB chunks, late'],
        staggered,
      ),
    );

    const verdict = (met: boolean): string => (met ? 'met' : 'NOT met');
    const worst = accuracy.reduce((w, a) => (Math.abs(a - 1) > Math.abs(w - 1) ? a : w), 1);
    const sumOff = (f: ShareFigures): number =>
      f.rates.reduce((a, b) => a + b, 0) / SHARED_CAP_MIB - 1;
    const fairness = (f: ShareFigures): number => Math.min(...f.rates) / Math.max(...f.rates);
    console.log(
      '\ngoals (issue 19: accurate within 10 % over a few seconds, fair across the peers):',
    );
    console.log(
      `  (a), (b) achieved within 10 % of the cap: worst ${pct(worst - 1)} — ${verdict(Math.abs(worst - 1) <= 0.1)}`,
    );
    for (const [label, f] of [
      ['(d)', together],
      ['(e)', staggered],
    ] as const) {
      console.log(
        `  ${label} sum within 10 % of ${SHARED_CAP_MIB} MiB/s: ${pct(sumOff(f))} — ${verdict(Math.abs(sumOff(f)) <= 0.1)}`,
      );
      console.log(
        `  ${label} slower / faster ≥ 0.9: ${fairness(f).toFixed(3)} — ${verdict(fairness(f) >= 0.9)}`,
      );
    }
    await live.stopAll();
  } finally {
    process.off('SIGINT', onSignal);
    live.killAll();
    await rm(root, { recursive: true, force: true });
  }
}
