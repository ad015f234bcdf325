import assert from 'node:assert/strict';
import { link } from './harness/assertions.js';
import { scenario } from './harness/lab.js';
import type { Json, PeerProcess } from './harness/peer-process.js';
import { writeSparseGame } from '../support/fixture-games.js';

const MIB = 1024 * 1024;
const CAP_MIB_S = 8;

/** Sends `download` and resolves with its answer and the wall time it took. */
async function timedDownload(client: PeerProcess, game: string): Promise<number> {
  const started = performance.now();
  const answer = await client.request('download', { game, install: false }, 170_000);
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  return (performance.now() - started) / 1000;
}

/** Waits for a `download-progress` of `game` with at least `bytes` done; when it came, and its bytes. */
async function progressPast(
  client: PeerProcess,
  game: string,
  bytes: number,
  from: number,
): Promise<{ at: number; bytes: number }> {
  const event: Json = await client.waitEvent(
    (e) => e.event === 'download-progress' && e.game === game && Number(e.bytes_done) >= bytes,
    60_000,
    from,
  );
  return { at: performance.now(), bytes: Number(event.bytes_done) };
}

scenario(
  'S68',
  'bandwidth caps: an 8 MiB/s upload cap and download cap hold a download to them; lifting the cap mid-transfer speeds it up at once',
  async (lab) => {
    const games = lab.gamesDir('source');
    const capped = await writeSparseGame(games, 'alienswarm', 48 * MIB);
    const lifted = await writeSparseGame(games, 'bf1942', 256 * MIB);
    const downCapped = await writeSparseGame(games, 'bfbc2', 32 * MIB);
    const source = await lab.start('source', { extraArgs: ['--max-upload', String(CAP_MIB_S)] });
    // Small chunks: progress moves in small steps, so the rates below are read finely.
    const client = await lab.start('client', { extraArgs: ['--chunk-size', String(MIB)] });
    await link(client, source);
    const limits = (await source.cmd<{ limits: Json }>('status')).limits;
    assert.equal(limits.upload_mib_s, CAP_MIB_S, 'the flag sets the cap');

    // 1. Upload cap: the download takes at least size / cap.
    const cappedSeconds = await timedDownload(client, 'alienswarm');
    const floor = capped / MIB / CAP_MIB_S;
    assert.ok(cappedSeconds >= floor, `${cappedSeconds} s < ${floor} s: the cap did not hold`);

    // 2. Lifted mid-transfer: the capped part runs near the cap, the rest far above it.
    const from = client.events.length;
    const answer = client.request('download', { game: 'bf1942', install: false }, 170_000);
    const a = await progressPast(client, 'bf1942', 8 * MIB, from);
    const b = await progressPast(client, 'bf1942', 24 * MIB, from);
    const before = (b.bytes - a.bytes) / MIB / ((b.at - a.at) / 1000);
    assert.ok(before <= CAP_MIB_S * 1.25, `${before.toFixed(1)} MiB/s under an 8 MiB/s cap`);
    const off = await source.cmd('set-limits', { upload_mib_s: null });
    assert.equal(off.effective_upload_mib_s, null);
    const done = await answer;
    assert.equal(done.ok, true, JSON.stringify(done.error));
    const after = (lifted - b.bytes) / MIB / ((performance.now() - b.at) / 1000);
    assert.ok(after > CAP_MIB_S * 2, `${after.toFixed(1)} MiB/s after the cap was lifted`);

    // 3. Download cap on the receiving side, the source uncapped.
    await client.cmd('set-limits', { download_mib_s: CAP_MIB_S });
    const downSeconds = await timedDownload(client, 'bfbc2');
    const downFloor = downCapped / MIB / CAP_MIB_S;
    assert.ok(downSeconds >= downFloor, `${downSeconds} s < ${downFloor} s under a download cap`);

    return `48 MiB at an 8 MiB/s upload cap in ${cappedSeconds.toFixed(1)} s (≥ ${floor.toFixed(1)} s); 256 MiB: ${before.toFixed(1)} MiB/s capped, ${after.toFixed(1)} MiB/s once lifted; 32 MiB at an 8 MiB/s download cap in ${downSeconds.toFixed(1)} s (≥ ${downFloor.toFixed(1)} s)`;
  },
);
