import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { bigGame, SMALL_CHUNKS } from './harness/fixtures.js';
import { bytesBySource, download, link, listGames } from './harness/assertions.js';
import { scenario } from './harness/lab.js';
import { startRottenSource } from './harness/rotten-source.js';
import type { Json } from './harness/peer-process.js';
import { assertSameRoot } from './harness/manifests.js';

const MIB = 1024 * 1024;
const CHUNK = 32 * MIB;

/**
 * S14's two sources are held to this upload rate each, like two equal links: the split then
 * shows the scheduler's balance, not which process a loaded machine ran first (under
 * --encrypt-transfers beside the other lane, one run split 84/36 MiB).
 */
const EQUAL_LINK = ['--max-upload', '40'];

scenario('S14', 'large multi-peer chunked download', async (lab) => {
  // As in the seed: an archive of three random 40 MiB payloads, default 32 MiB chunks.
  await lab.games('alpha', [bigGame('alienswarm', 120, { files: 3 })]);
  const alpha = await lab.start('alpha', { extraArgs: EQUAL_LINK });
  const stage = await lab.start('stage', { extraArgs: EQUAL_LINK });
  await link(stage, alpha);
  const first = await download(stage, 'alienswarm');
  assert.equal(first.answer.ok, true, JSON.stringify(first.answer.error));
  await assertSameRoot(lab, 'alpha', 'stage', 'alienswarm');
  const client = await lab.start('client');
  await link(client, alpha);
  await link(client, stage);
  assert.equal((await listGames(client)).remote.find((r) => r.id === 'alienswarm')?.peer_count, 2);
  const { answer, events } = await download(client, 'alienswarm');
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  await assertSameRoot(lab, 'alpha', 'client', 'alienswarm');
  const eti = bytesBySource(events.filter((e) => e.path === 'alienswarm.eti'));
  assert.deepEqual(
    [...eti.keys()].sort(),
    [alpha.addr, stage.addr].sort(),
    'the archive came from both peers',
  );
  const [x, y] = [...eti.values()];
  assert.ok(Math.abs(x! - y!) <= CHUNK, `split ${x}/${y} is not within one chunk`);
  return `alienswarm.eti split ${[...eti].map(([a, n]) => `${a}=${n}`).join(' ')} (32 MiB chunks, within one chunk); files match the original source`;
});

scenario('S18', 'mid-download source drop with redundancy', async (lab) => {
  await lab.games('a', [bigGame('alienswarm', 160, { files: 2 })]);
  await lab.games('b', [bigGame('alienswarm', 160, { files: 2 })]);
  const a = await lab.start('a', { extraArgs: SMALL_CHUNKS });
  const b = await lab.start('b', { extraArgs: SMALL_CHUNKS });
  const client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
  await link(client, a);
  await link(client, b);
  const from = client.events.length;
  const pending = download(client, 'alienswarm', { timeoutMs: 180_000 });
  await client.waitEvent(
    (e) => e.event === 'download-chunk-finished' && e.peer_addr === b.addr,
    30_000,
    from,
  );
  b.kill('SIGKILL');
  const { answer, events } = await pending;
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  assert.equal(
    events.some((e) => e.event === 'download-failed'),
    false,
  );
  await assertSameRoot(lab, 'a', 'client', 'alienswarm');
  const split = bytesBySource(events);
  return `b killed after its first chunk; finished with ${[...split].map(([addr, n]) => `${addr}=${n}`).join(' ')}; no download-failed; files match`;
});

scenario('S19', 'mid-download sole-source drop', async (lab) => {
  await lab.games('a', [bigGame('alienswarm', 160, { files: 2 })]);
  const a = await lab.start('a', { extraArgs: SMALL_CHUNKS });
  const client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
  await link(client, a);
  const from = client.events.length;
  const pending = download(client, 'alienswarm');
  await client.waitEvent((e) => e.event === 'download-chunk-finished', 30_000, from);
  a.kill('SIGKILL');
  const { answer, events } = await pending;
  assert.equal(answer.ok, false);
  const failed = events.find((e) => e.event === 'download-failed');
  assert.ok(failed !== undefined);
  assert.equal(existsSync(join(lab.gamesDir('client'), 'alienswarm', 'version.ini')), false);
  const status = await client.cmd<{ active_operations: unknown[] }>('status');
  assert.deepEqual(status.active_operations, []);
  const row = (await listGames(client)).local.find((g) => g.id === 'alienswarm');
  assert.notEqual(row?.availability, 'Ready');
  return `sole source killed -> download-failed code=${String(failed?.code)}; no version.ini; ${row?.availability ?? 'no row'}; no active operation`;
});

scenario(
  'S18-SLOW',
  'a chunk crawling on a slow source is finished by an idle fast one',
  async (lab) => {
    await lab.games('fast', [bigGame('alienswarm', 256, { files: 1 })]);
    await lab.games('slow', [bigGame('alienswarm', 256, { files: 1 })]);
    const fast = await lab.start('fast');
    const slow = await lab.start('slow');
    const client = await lab.start('client');
    await link(client, fast);
    await link(client, slow);
    const from = client.events.length;
    const pending = download(client, 'alienswarm', { timeoutMs: 180_000 });
    // Once both manifests are in, the slow source runs 3 ms in every 300: a peer on bad Wi-Fi.
    await client.waitEvent((e) => e.event === 'got-game-files', 30_000, from);
    let throttling = true;
    const throttle = (async () => {
      while (throttling) {
        slow.kill('SIGSTOP');
        await new Promise((r) => setTimeout(r, 300));
        slow.kill('SIGCONT');
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    const { answer, events } = await pending;
    throttling = false;
    await throttle;
    assert.equal(answer.ok, true, JSON.stringify(answer.error));
    await assertSameRoot(lab, 'fast', 'client', 'alienswarm');
    const voted = events.find((e) => e.event === 'got-game-files');
    assert.deepEqual(
      [...((voted?.peers as string[] | undefined) ?? [])].sort(),
      [fast.addr, slow.addr].sort(),
      'both sources agreed and were used',
    );
    // The slow source was handed chunks at the start (two each); at 1 % it could not have
    // finished one before the fast source ran out of work and took them over. (At the end it
    // may still finish a split tail from bytes already on their way when the throttle began.)
    const bySource = bytesBySource(events.filter((e) => e.path === 'alienswarm.eti'));
    assert.ok(
      (bySource.get(slow.addr) ?? 0) < CHUNK,
      `the fast source finished the slow one's chunks: ${JSON.stringify([...bySource])}`,
    );
    return `slow source throttled to 1 % after the vote; its two chunks finished by the fast source (fast ${bySource.get(fast.addr)} bytes, slow ${bySource.get(slow.addr) ?? 0}); files match`;
  },
);

/** Sources held to this upload rate: a chunk takes long enough that an idle source splits it. */
const SPLIT_CAP = ['--max-upload', '24'];

/** The archive's chunk events, by offset: the parts must cover the file once, without a gap. */
function assertCoveredOnce(events: readonly Json[], size: number): Json[] {
  const parts = events
    .filter((e) => e.event === 'download-chunk-finished' && e.path === 'alienswarm.eti')
    .sort((x, y) => Number(x.offset) - Number(y.offset));
  let at = 0;
  for (const part of parts) {
    assert.equal(Number(part.offset), at, `a gap or an overlap at ${at}`);
    at += Number(part.length);
  }
  assert.equal(at, size, 'the parts cover the archive');
  return parts;
}

scenario(
  'S14-SPLIT',
  'an idle source takes over the tail of the last chunk in flight, by byte range',
  async (lab) => {
    // One 16 MiB archive: a single chunk, and two sources of two connections each.
    await lab.games('a', [bigGame('alienswarm', 16, { files: 1 })]);
    await lab.games('b', [bigGame('alienswarm', 16, { files: 1 })]);
    const a = await lab.start('a', { extraArgs: SPLIT_CAP });
    const b = await lab.start('b', { extraArgs: SPLIT_CAP });
    const client = await lab.start('client');
    await link(client, a);
    await link(client, b);
    const { answer, events } = await download(client, 'alienswarm');
    assert.equal(answer.ok, true, JSON.stringify(answer.error));
    await assertSameRoot(lab, 'a', 'client', 'alienswarm');
    const size = (await stat(join(lab.gamesDir('a'), 'alienswarm', 'alienswarm.eti'))).size;
    const parts = assertCoveredOnce(events, size);
    assert.ok(parts.length >= 2, 'the one chunk came in parts');
    assert.deepEqual(
      [...new Set(parts.map((p) => String(p.peer_addr)))].sort(),
      [a.addr, b.addr].sort(),
      'from both sources',
    );
    return `one ${size}-byte chunk in ${parts.length} parts: ${parts.map((p) => `${String(p.peer_addr)}@${String(p.offset)}+${String(p.length)}`).join(' ')}; files match`;
  },
);

scenario(
  'S14-SPLIT-LIAR',
  'a split chunk that fails its hash is fetched again whole, and the download ends with the right bytes',
  async (lab) => {
    const spec = bigGame('alienswarm', 16, { files: 1 });
    await lab.games('honest', [spec]);
    const honest = await lab.start('honest', { extraArgs: SPLIT_CAP });
    // Every MiB of the liar's archive rots: any part it sends is bad.
    const { peer: liar, size } = await startRottenSource(lab, 'liar', spec, SPLIT_CAP);

    const client = await lab.start('client');
    await link(client, honest);
    await link(client, liar);
    const { answer, events } = await download(client, 'alienswarm', { timeoutMs: 120_000 });
    assert.equal(answer.ok, true, JSON.stringify(answer.error));
    await assertSameRoot(lab, 'honest', 'client', 'alienswarm');
    const parts = assertCoveredOnce(events, size);
    assert.deepEqual(
      [...new Set(parts.map((p) => String(p.peer_addr)))],
      [honest.addr],
      'every byte that counted came from the honest source',
    );
    const log = await readFile(join(lab.root, 'client.stderr.log'), 'utf8');
    assert.match(log, /fetched in parts from several sources failed its hash/);
    return `the chunk split between the honest source and a liar failed its hash; fetched again whole from ${honest.addr}; files match`;
  },
);
