import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeCatalogFile } from '../../src/catalog/index.js';
import { bigGame, smallGame, SMALL_CHUNKS } from './harness/fixtures.js';
import { bytesBySource, download, link, listGames } from './harness/assertions.js';
import type { Lab } from './harness/lab.js';
import { scenario } from './harness/lab.js';
import { assertSameRoot } from './harness/manifests.js';

const LATEST = '20250301';

async function latestCatalog(lab: Lab): Promise<string> {
  const file = join(lab.root, 'catalog.db');
  await writeCatalogFile(file, [{ id: 'cnc4', name: 'Command & Conquer 4', version: LATEST }]);
  return file;
}

scenario('S15', 'catalog-version skew', async (lab) => {
  const catalog = await latestCatalog(lab);
  await lab.games('a', [smallGame('cnc4', '20250101')]);
  await lab.games('b', [smallGame('cnc4', '20250201')]);
  await lab.games('c', [smallGame('cnc4', LATEST)]);
  // A and B run the catalog of their own version, so they advertise their roots as servable.
  const ca = join(lab.root, 'a.db');
  await writeCatalogFile(ca, [{ id: 'cnc4', name: 'C&C 4', version: '20250101' }]);
  const cb = join(lab.root, 'b.db');
  await writeCatalogFile(cb, [{ id: 'cnc4', name: 'C&C 4', version: '20250201' }]);
  const a = await lab.start('a', { catalog: ca });
  const b = await lab.start('b', { catalog: cb });
  const c = await lab.start('c', { catalog });
  const client = await lab.start('client', { catalog });
  for (const p of [a, b, c]) await link(client, p);
  const row = (await listGames(client)).remote.find((r) => r.id === 'cnc4');
  assert.equal(row?.peer_count, 1);
  assert.equal(row?.eti_game_version, LATEST);
  const { answer, events } = await download(client, 'cnc4');
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  const got = events.find((e) => e.event === 'got-game-files')!;
  assert.deepEqual(got.peers, [c.addr]);
  assert.deepEqual([...bytesBySource(events).keys()], [c.addr]);
  await assertSameRoot(lab, 'c', 'client', 'cnc4');
  return `row peer_count=1 version ${LATEST}; got-game-files peers=[C]; all chunks from C; files match C`;
});

scenario('S16', 'catalog-version fanout with a stale peer present', async (lab) => {
  const catalog = await latestCatalog(lab);
  await lab.games('a', [bigGame('cnc4', 16, { version: '20250101' })]);
  await lab.games('b', [bigGame('cnc4', 16, { version: LATEST })]);
  await lab.games('c', [bigGame('cnc4', 16, { version: LATEST })]);
  const a = await lab.start('a', { extraArgs: SMALL_CHUNKS });
  const b = await lab.start('b', { catalog, extraArgs: SMALL_CHUNKS });
  const c = await lab.start('c', { catalog, extraArgs: SMALL_CHUNKS });
  const client = await lab.start('client', { catalog, extraArgs: SMALL_CHUNKS });
  for (const p of [a, b, c]) await link(client, p);
  assert.equal((await listGames(client)).remote.find((r) => r.id === 'cnc4')?.peer_count, 2);
  const { answer, events } = await download(client, 'cnc4');
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  const got = events.find((e) => e.event === 'got-game-files')!;
  const sources = (got.peers as string[]).slice().sort();
  assert.deepEqual(sources, [b.addr, c.addr].sort(), 'the stale peer is no source');
  const bySource = bytesBySource(events);
  assert.equal(bySource.has(a.addr), false, 'the stale peer sends nothing');
  assert.deepEqual([...bySource.keys()].sort(), [b.addr, c.addr].sort());
  await assertSameRoot(lab, 'b', 'client', 'cnc4');
  return `peer_count=2; got-game-files peers=[B, C]; chunks ${[...bySource].map(([k, v]) => `${k}=${v}`).join(' ')}; stale A sent 0 bytes`;
});

scenario('S17', 'catalog-version conflict rejection', async (lab) => {
  const catalog = await latestCatalog(lab);
  await lab.games('a', [smallGame('cnc4', '20250101')]);
  await lab.games('b', [smallGame('cnc4', LATEST, 'seed-b')]);
  await lab.games('c', [
    { ...smallGame('cnc4', LATEST, 'seed-c'), files: [{ path: 'notes.txt', size: 4000 }] },
  ]);
  const a = await lab.start('a');
  const b = await lab.start('b', { catalog });
  const c = await lab.start('c', { catalog });
  const client = await lab.start('client', { catalog });
  for (const p of [a, b, c]) await link(client, p);
  const { answer, events } = await download(client, 'cnc4');
  assert.equal(answer.error?.code, 'ambiguous-metadata');
  assert.ok(events.some((e) => e.event === 'download-failed'));
  assert.equal(existsSync(join(lab.gamesDir('client'), 'cnc4', 'version.ini')), false);
  return `B and C conflict at ${LATEST}, stale A cannot break the tie -> ${answer.error?.code}; no version.ini`;
});

scenario('S36', 'catalog singleton beats stale majority (download)', async (lab) => {
  const catalog = await latestCatalog(lab);
  const stale = [];
  for (const name of ['s1', 's2', 's3', 's4']) {
    await lab.games(name, [smallGame('cnc4', '20250101')]);
    stale.push(await lab.start(name));
  }
  await lab.games('latest', [smallGame('cnc4', LATEST)]);
  const latest = await lab.start('latest', { catalog });
  const client = await lab.start('client', { catalog });
  for (const p of [...stale, latest]) await link(client, p);
  const { answer, events } = await download(client, 'cnc4');
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  assert.deepEqual(events.find((e) => e.event === 'got-game-files')?.peers, [latest.addr]);
  assert.deepEqual([...bytesBySource(events).keys()], [latest.addr]);
  await assertSameRoot(lab, 'latest', 'client', 'cnc4');
  return `4 stale + 1 latest; descriptors and every chunk from the singleton; files match`;
});
