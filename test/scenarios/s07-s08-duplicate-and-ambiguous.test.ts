import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ALPHA, BRAVO, smallGame } from './harness/fixtures.js';
import { bytesBySource, download, link, listGames } from './harness/assertions.js';
import { scenario } from './harness/lab.js';
import { assertSameRoot } from './harness/manifests.js';

scenario('S7', 'duplicate-source majority download', async (lab) => {
  await lab.games('alpha', ALPHA);
  await lab.games('bravo', BRAVO);
  const alpha = await lab.start('alpha');
  const bravo = await lab.start('bravo');
  const client = await lab.start('client');
  await link(client, alpha);
  await link(client, bravo);
  const { answer, events } = await download(client, 'ggoo');
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  const got = events.find((e) => e.event === 'got-game-files')!;
  assert.deepEqual([...(got.peers as string[])].sort(), [alpha.addr, bravo.addr].sort());
  assert.equal(events.filter((e) => e.event === 'download-finished').length, 1);
  await assertSameRoot(lab, 'alpha', 'client', 'ggoo');
  await assertSameRoot(lab, 'bravo', 'client', 'ggoo');
  const row = (await listGames(client)).local.find((g) => g.id === 'ggoo');
  assert.equal(row?.installed, false);
  return `got-game-files peers=${(got.peers as string[]).length}; chunks from ${[...bytesBySource(events).keys()].join(', ')}; files match both sources; finished once`;
});

scenario('S8', 'ambiguous metadata rejection', async (lab) => {
  // Same id and version, different bytes: one peer each, so no plurality exists.
  await lab.games('a', [smallGame('ggoo', '20250101', 'seed-a')]);
  await lab.games('b', [
    { ...smallGame('ggoo', '20250101', 'seed-b'), files: [{ path: 'notes.txt', size: 999 }] },
  ]);
  const a = await lab.start('a');
  const b = await lab.start('b');
  const client = await lab.start('client');
  await link(client, a);
  await link(client, b);
  assert.equal((await listGames(client)).remote.find((r) => r.id === 'ggoo')?.peer_count, 2);
  const { answer, events } = await download(client, 'ggoo');
  assert.equal(answer.ok, false);
  assert.equal(answer.error?.code, 'ambiguous-metadata');
  const failed = events.find((e) => e.event === 'download-failed');
  assert.equal(failed?.code, 'ambiguous-metadata');
  assert.equal(existsSync(join(lab.gamesDir('client'), 'ggoo', 'version.ini')), false);
  assert.deepEqual(
    (await client.cmd<{ active_operations: unknown[] }>('status')).active_operations,
    [],
  );
  return `peer_count=2 with conflicting manifests -> download-failed code=${String(failed?.code)}; no version.ini; no active operation`;
});
