import assert from 'node:assert/strict';
import { BRAVO, bigGame, SMALL_CHUNKS } from './harness/fixtures.js';
import { download, link, listGames } from './harness/assertions.js';
import { scenario } from './harness/lab.js';
import { assertSameRoot } from './harness/manifests.js';

scenario('S24', 'two clients pull from one source', async (lab) => {
  await lab.games('source', [bigGame('alienswarm', 64)]);
  const source = await lab.start('source', { extraArgs: SMALL_CHUNKS });
  const c1 = await lab.start('c1', { extraArgs: SMALL_CHUNKS });
  const c2 = await lab.start('c2', { extraArgs: SMALL_CHUNKS });
  await link(c1, source);
  await link(c2, source);
  const [r1, r2] = await Promise.all([download(c1, 'alienswarm'), download(c2, 'alienswarm')]);
  assert.equal(r1.answer.ok, true, JSON.stringify(r1.answer.error));
  assert.equal(r2.answer.ok, true, JSON.stringify(r2.answer.error));
  await assertSameRoot(lab, 'source', 'c1', 'alienswarm');
  await assertSameRoot(lab, 'source', 'c2', 'alienswarm');
  const status = await source.cmd<{ peers: number; outbound_transfers: Record<string, number> }>(
    'status',
  );
  assert.equal(status.peers, 2);
  return `both clients finished and match; source still answers status (peers=${status.peers})`;
});

scenario('S25', 'one client downloads two games concurrently', async (lab) => {
  await lab.games('source', BRAVO);
  const source = await lab.start('source');
  const client = await lab.start('client');
  await link(client, source);
  const [a, b] = await Promise.all([download(client, 'bfbc2'), download(client, 'cnctw')]);
  assert.equal(a.answer.ok, true, JSON.stringify(a.answer.error));
  assert.equal(b.answer.ok, true, JSON.stringify(b.answer.error));
  await assertSameRoot(lab, 'source', 'client', 'bfbc2');
  await assertSameRoot(lab, 'source', 'client', 'cnctw');
  const rows = (await listGames(client)).local
    .filter((g) => g.availability === 'Ready')
    .map((g) => g.id);
  assert.deepEqual(rows, ['bfbc2', 'cnctw']);
  return `bfbc2 and cnctw downloaded in parallel; both Ready and match the source`;
});

scenario('S26', 'same-game duplicate download rejection', async (lab) => {
  await lab.games('source', [bigGame('alienswarm', 96)]);
  const source = await lab.start('source', { extraArgs: SMALL_CHUNKS });
  const client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
  await link(client, source);
  const first = download(client, 'alienswarm');
  await client.waitEvent((e) => e.event === 'download-begin' && e.game === 'alienswarm');
  const second = await client.request('download', { game: 'alienswarm', install: false });
  assert.equal(second.ok, false);
  assert.equal(second.error?.code, 'operation-in-progress');
  const status = await client.cmd<{ active_operations: { game: string; kind: string }[] }>(
    'status',
  );
  assert.deepEqual(status.active_operations, [{ game: 'alienswarm', kind: 'download' }]);
  const done = await first;
  assert.equal(done.answer.ok, true, JSON.stringify(done.answer.error));
  await assertSameRoot(lab, 'source', 'client', 'alienswarm');
  return `second download -> ${second.error?.code} ("${second.error?.message}"); status showed the running download; the first finished and matches`;
});
