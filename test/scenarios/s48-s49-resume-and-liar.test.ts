import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bigGame, SMALL_CHUNKS } from './harness/fixtures.js';
import { bytesBySource, download, link } from './harness/assertions.js';
import { scenario } from './harness/lab.js';
import { startRottenSource } from './harness/rotten-source.js';
import { assertSameRoot } from './harness/manifests.js';

const MIB = 1024 * 1024;
/** Of the game's 192 one-MiB chunks, how many the journal lists when the peer is killed. */
const JOURNALED_BEFORE_KILL = 40;

scenario('S48', 'resume after crash', async (lab) => {
  await lab.games('source', [bigGame('alienswarm', 192, { files: 2 })]);
  const source = await lab.start('source', { extraArgs: SMALL_CHUNKS });
  const first = await lab.start('client', { extraArgs: SMALL_CHUNKS });
  await link(first, source);
  void first
    .request('download', { game: 'alienswarm', install: false }, 120_000)
    .catch(() => undefined);
  // What a crash must not lose is what the journal on disk lists: wait until it lists a good part
  // of the game (its rename is atomic, so a read never sees half a file), then pull the plug.
  const journalFile = join(lab.gamesDir('client'), 'alienswarm', '.lanspread', 'download.json');
  const journalKeys = async (): Promise<string[]> =>
    readFile(journalFile, 'utf8').then(
      (body) => (JSON.parse(body) as { verified: string[] }).verified,
      () => [],
    );
  const journaled = async (): Promise<number> => (await journalKeys()).length;
  const deadline = Date.now() + 30_000;
  while ((await journaled()) < JOURNALED_BEFORE_KILL && Date.now() < deadline) await sleep(5);
  first.kill('SIGKILL');
  await first.exited;
  const keysBefore = await journalKeys();
  const verifiedBefore = keysBefore.length;
  assert.ok(
    verifiedBefore >= JOURNALED_BEFORE_KILL,
    `the journal kept ${verifiedBefore} verified chunks`,
  );
  assert.equal(existsSync(join(lab.gamesDir('client'), 'alienswarm', 'version.ini')), false);

  const second = await lab.start('client', { extraArgs: SMALL_CHUNKS });
  await link(second, source);
  // The download queue kept it (S69): it carries on by itself once a source is there.
  await second.waitEvent(
    (e) => e.event === 'download-finished' && e.game === 'alienswarm',
    120_000,
  );
  const events = second.events.filter((e) => e.game === 'alienswarm');
  const total = Number(events.find((e) => e.event === 'download-begin')?.bytes);
  const received = [...bytesBySource(events).values()].reduce((a, b) => a + b, 0);
  // What the journal saves: each listed chunk's bytes (a file's last chunk is shorter, and with
  // the plan's random start any chunk may be among the first verified).
  const files = events.find((e) => e.event === 'got-game-files')?.files as
    { path: string; size: number }[] | undefined;
  const sizes = new Map((files ?? []).map((f) => [f.path, f.size]));
  const saved = keysBefore.reduce((sum, key) => {
    const at = key.lastIndexOf('@');
    const size = sizes.get(key.slice(0, at)) ?? 0;
    return sum + Math.max(0, Math.min(MIB, size - Number(key.slice(at + 1))));
  }, 0);
  assert.ok(
    received <= total - saved + MIB,
    `second run received ${received} of ${total}; the ${verifiedBefore} journaled chunks hold ${saved}`,
  );
  await assertSameRoot(lab, 'source', 'client', 'alienswarm');
  return `killed after ${verifiedBefore} journaled chunks; second run fetched ${(received / MIB).toFixed(1)} of ${(total / MIB).toFixed(1)} MiB; final files match`;
});

scenario('S49', 'lying source is detected by hash and dropped', async (lab) => {
  const spec = bigGame('alienswarm', 32, { files: 1 });
  await lab.games('honest', [spec]);
  const honest = await lab.start('honest', { extraArgs: SMALL_CHUNKS });
  // Its manifest still agrees with the honest peer while the bytes it sends do not.
  const { peer: liar } = await startRottenSource(lab, 'liar', spec, SMALL_CHUNKS);

  const client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
  await link(client, honest);
  await link(client, liar);
  const { answer, events } = await download(client, 'alienswarm');
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  const dropped = events.find((e) => e.event === 'download-peer-dropped');
  assert.equal(dropped?.peer_id, liar.peerId, 'an event names the bad peer');
  await assertSameRoot(lab, 'honest', 'client', 'alienswarm');
  const bySource = bytesBySource(events);
  // Every chunk of the liar's archive is corrupt, so none of them may count as finished.
  const liarArchiveChunks = events.filter(
    (e) =>
      e.event === 'download-chunk-finished' &&
      e.peer_id === liar.peerId &&
      e.path === 'alienswarm.eti',
  );
  assert.equal(liarArchiveChunks.length, 0);
  return `liar dropped ("${String(dropped?.reason).slice(0, 70)}"); chunks: ${[...bySource].map(([a, n]) => `${a}=${n}`).join(' ')}; files match the honest source`;
});
