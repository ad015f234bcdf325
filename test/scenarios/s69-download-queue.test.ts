import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { QueueRow } from '../../src/peer/contract.js';
import { bytesBySource, chunksAfter, link } from './harness/assertions.js';
import { bigGame, SMALL_CHUNKS } from './harness/fixtures.js';
import { scenario } from './harness/lab.js';
import { assertSameRoot } from './harness/manifests.js';
import type { Answer, Json, PeerProcess } from './harness/peer-process.js';

const MIB = 1024 * 1024;
/** Events of a download's fetch: none of them may fall outside its slot. */
const FETCH_EVENTS = new Set([
  'got-game-files',
  'download-begin',
  'download-chunk-finished',
  'download-progress',
]);

async function queue(peer: PeerProcess): Promise<string> {
  const { queue } = await peer.cmd<{ queue: QueueRow[] }>('status');
  return queue.map((row) => `${row.position}:${row.game}:${row.state}`).join(' ');
}

function finished(peer: PeerProcess, game: string, from = 0): Promise<Json> {
  return peer.waitEvent((e) => e.event === 'download-finished' && e.game === game, 120_000, from);
}

function assertQueued(answer: Answer, position: number): void {
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  const { queued, position: at } = answer.result as { queued?: unknown; position?: unknown };
  assert.deepEqual({ queued, position: at }, { queued: true, position });
}

/** The games in the order their fetches ran; throws when two fetches overlap. */
function assertOneAfterAnother(events: readonly Json[], games: readonly string[]): string[] {
  const spans = games.map((game) => {
    const at = events.flatMap((e, i) =>
      e.game === game && FETCH_EVENTS.has(String(e.event)) ? [i] : [],
    );
    const end = events.findIndex((e) => e.event === 'download-finished' && e.game === game);
    assert.ok(at.length > 0 && end > Math.max(...at), `${game} fetched, then finished`);
    return { game, start: Math.min(...at), end };
  });
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    const [before, after] = [spans[i - 1]!, spans[i]!];
    assert.ok(
      after.start > before.end,
      `${after.game} fetched (event ${after.start}) before ${before.game} finished (${before.end})`,
    );
  }
  return spans.map((span) => span.game);
}

scenario('S69-ORDER', 'with one slot, three downloads run one after another', async (lab) => {
  const games = ['alienswarm', 'bf1942', 'cnctw'];
  await lab.games(
    'source',
    games.map((id) => bigGame(id, 16)),
  );
  const source = await lab.start('source', { extraArgs: SMALL_CHUNKS });
  const client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
  await client.cmd('set-settings', { max_active_downloads: 1 });
  await link(client, source);
  const first = client.request('download', { game: 'alienswarm', install: false }, 120_000);
  await client.waitEvent((e) => e.event === 'download-begin');
  assertQueued(await client.request('download', { game: 'bf1942', install: false }), 2);
  assertQueued(await client.request('download', { game: 'cnctw', install: false }), 3);
  const queued = client.events.filter((e) => e.event === 'download-queued');
  assert.deepEqual(
    queued.map((e) => `${String(e.game)}@${String(e.position)}`),
    ['bf1942@2', 'cnctw@3'],
  );
  // Moved ahead of bf1942: it gets the next slot.
  const moved = await client.cmd<{ position: number }>('move-download', {
    game: 'cnctw',
    position: 2,
  });
  assert.equal(moved.position, 2);
  const before = await queue(client);
  assert.equal(before, '1:alienswarm:running 2:cnctw:queued 3:bf1942:queued');
  assert.equal((await first).ok, true);
  for (const game of games) await finished(client, game);
  const order = assertOneAfterAnother(client.events, games);
  assert.deepEqual(order, ['alienswarm', 'cnctw', 'bf1942']);
  for (const game of games) await assertSameRoot(lab, 'source', 'client', game);
  assert.equal(await queue(client), '');
  return `queue ${before}; fetched one after another: ${order.join(' -> ')}; all match the source; queue empty`;
});

scenario(
  'S69-RESTART',
  'kill -9 with one download paused and one queued: after the restart the queued ones carry on, the paused one waits for resume',
  async (lab) => {
    await lab.games('source', [
      bigGame('alienswarm', 48),
      bigGame('bf1942', 48),
      bigGame('cnctw', 16),
    ]);
    const source = await lab.start('source', { extraArgs: SMALL_CHUNKS });
    const client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
    await client.cmd('set-settings', { max_active_downloads: 1 });
    await link(client, source);
    const first = client.request('download', { game: 'alienswarm', install: false }, 120_000);
    await chunksAfter(client, 0, 8);
    assertQueued(await client.request('download', { game: 'bf1942', install: false }), 2);
    assertQueued(await client.request('download', { game: 'cnctw', install: false }), 3);
    // Paused mid-transfer: its slot goes to bf1942, its verified chunks stay.
    const from = client.events.length;
    assert.deepEqual(await client.cmd('pause-download', { game: 'alienswarm' }), {
      game: 'alienswarm',
    });
    assert.equal((await first).error?.code, 'paused');
    await client.waitEvent((e) => e.event === 'download-paused' && e.game === 'alienswarm');
    await client.waitEvent(
      (e) => e.event === 'download-begin' && e.game === 'bf1942',
      30_000,
      from,
    );
    // What the restart resumes is what the journal on disk lists (S48): wait until it lists some.
    const journal = join(lab.gamesDir('client'), 'bf1942', '.lanspread', 'download.json');
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const verified = await readFile(journal, 'utf8').then(
        (body) => (JSON.parse(body) as { verified: string[] }).verified.length,
        () => 0,
      );
      if (verified >= 4) break;
      await sleep(5);
    }
    const atKill = await queue(client);
    assert.equal(atKill, '1:alienswarm:paused 2:bf1942:running 3:cnctw:queued');
    client.kill('SIGKILL');
    await client.exited;
    const saved = JSON.parse(
      await readFile(join(lab.root, 'client', 'state', 'download-queue.json'), 'utf8'),
    ) as { entries: { game: string; paused: boolean }[] };
    assert.deepEqual(
      saved.entries.map((e) => `${e.game}:${e.paused ? 'paused' : 'wanted'}`),
      ['alienswarm:paused', 'bf1942:wanted', 'cnctw:wanted'],
    );

    const again = await lab.start('client', { extraArgs: SMALL_CHUNKS });
    // No source yet: everything waits, in the order it had.
    const restored = await queue(again);
    assert.equal(restored, '1:alienswarm:paused 2:bf1942:queued 3:cnctw:queued');
    await link(again, source);
    await finished(again, 'bf1942');
    await finished(again, 'cnctw');
    assertOneAfterAnother(again.events, ['bf1942', 'cnctw']);
    const bf = again.events.filter((e) => e.game === 'bf1942');
    const bfTotal = Number(bf.find((e) => e.event === 'download-begin')?.bytes);
    const bfFetched = [...bytesBySource(bf).values()].reduce((a, b) => a + b, 0);
    assert.ok(bfFetched < bfTotal, `bf1942 resumed: fetched ${bfFetched} of ${bfTotal}`);
    assert.equal(
      again.events.some((e) => e.game === 'alienswarm' && FETCH_EVENTS.has(String(e.event))),
      false,
      'the paused download stayed paused',
    );
    assert.equal(await queue(again), '1:alienswarm:paused');

    const resumeFrom = again.events.length;
    assert.deepEqual(await again.cmd('resume-download', { game: 'alienswarm' }), {
      game: 'alienswarm',
      position: 1,
    });
    await finished(again, 'alienswarm', resumeFrom);
    const as = again.events.slice(resumeFrom).filter((e) => e.game === 'alienswarm');
    const asTotal = Number(as.find((e) => e.event === 'download-begin')?.bytes);
    const asFetched = [...bytesBySource(as).values()].reduce((a, b) => a + b, 0);
    assert.ok(asFetched <= asTotal - 8 * MIB, `alienswarm resumed: ${asFetched} of ${asTotal}`);
    for (const game of ['alienswarm', 'bf1942', 'cnctw'])
      await assertSameRoot(lab, 'source', 'client', game);
    assert.equal(await queue(again), '');
    return `at the kill: ${atKill}; restored: ${restored}; bf1942 resumed (${(bfFetched / MIB).toFixed(0)} of ${(bfTotal / MIB).toFixed(0)} MiB) then cnctw, alienswarm untouched; resumed it: ${(asFetched / MIB).toFixed(0)} of ${(asTotal / MIB).toFixed(0)} MiB; all match`;
  },
);
