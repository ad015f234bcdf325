/**
 * Bandwidth caps (issue 19): how close a download held by a cap runs to it, and how fast it goes
 * once the cap is lifted. Two real peers on loopback (`dist/cli/main.js`), sparse archives (no
 * disk reads), 1 MiB chunks (progress in fine steps):
 *   (a) upload caps of 2, 8 and 32 MiB/s on the source, each download sized to `seconds` at its
 *       cap: the rate achieved from 10 % of the game to its end, against the cap;
 *   (b) a download cap of 8 MiB/s on the client, the source uncapped: the same;
 *   (c) 256 MiB from a source capped at 8 MiB/s, the cap lifted `seconds / 2` after 10 % of it
 *       had come: the rate
 *       before and after, and the time against the capped rate's.
 * Usage: npm run bench -- caps [seconds=6]
 */
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PeerProcess, type Json } from '../test/scenarios/harness/peer-process.js';
import { LivePeers } from './live-peers.js';

const MIB = 1024 * 1024;
const VERSION = '20250101';
const LIFTED_MIB = 256;
const TIMEOUT_MS = 600_000;

/** A root of one sparse archive of `mib` MiB; its size in bytes with version.ini. */
async function sparseGame(games: string, id: string, mib: number): Promise<number> {
  const root = join(games, id);
  await mkdir(root, { recursive: true });
  await writeFile(join(root, `${id}.eti`), '');
  await truncate(join(root, `${id}.eti`), mib * MIB);
  await writeFile(join(root, 'version.ini'), `${VERSION}\n`);
  return mib * MIB + VERSION.length + 1;
}

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
    for (const [id, cap] of uploads) sizes.set(id, await sparseGame(games, id, cap * seconds));
    sizes.set('bfbc2', await sparseGame(games, 'bfbc2', 8 * seconds));
    sizes.set('cnc4', await sparseGame(games, 'cnc4', LIFTED_MIB));
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
    await client.cmd('connect', { addr: source.addr });
    await client.cmd('wait-peers', { count: 1, timeout_ms: 10_000 });

    console.log(`caps: ${seconds} s at each cap, loopback, sparse archives, 1 MiB chunks`);
    for (const [id, cap] of uploads) {
      await source.cmd('set-limits', { upload_mib_s: cap });
      const got = await measure(client, id, sizes.get(id) ?? 0);
      console.log(line(`upload cap (${id})`, cap, got.mibPerS));
    }
    await source.cmd('set-limits', { upload_mib_s: null });
    await client.cmd('set-limits', { download_mib_s: 8 });
    const down = await measure(client, 'bfbc2', sizes.get('bfbc2') ?? 0);
    console.log(line('download cap (bfbc2)', 8, down.mibPerS));
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
    await live.stopAll();
  } finally {
    process.off('SIGINT', onSignal);
    live.killAll();
    await rm(root, { recursive: true, force: true });
  }
}
