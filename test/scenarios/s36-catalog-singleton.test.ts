import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeCatalogFile } from '../../src/catalog/index.js';
import { smallGame } from './harness/fixtures.js';
import { link, listGames } from './harness/assertions.js';
import { scenario } from './harness/lab.js';

const LATEST = '20260501';

scenario('S36', 'catalog singleton beats stale majority (aggregation)', async (lab) => {
  // The client's catalog says cnc4 is at LATEST. Four peers run the old default catalog and serve
  // cnc4 at 20250101 (servable by their own catalog); one peer has LATEST.
  const latestCatalog = join(lab.root, 'latest-catalog.db');
  await writeCatalogFile(latestCatalog, [
    { id: 'cnc4', name: 'Command & Conquer 4', version: LATEST },
  ]);
  const stale = [];
  for (const name of ['s1', 's2', 's3', 's4']) {
    await lab.games(name, [smallGame('cnc4', '20250101')]);
    stale.push(await lab.start(name));
  }
  await lab.games('latest', [smallGame('cnc4', LATEST)]);
  const latest = await lab.start('latest', { catalog: latestCatalog });
  const client = await lab.start('client', { catalog: latestCatalog });
  for (const peer of [...stale, latest]) await link(client, peer);
  const { remote } = await listGames(client);
  assert.equal(remote.length, 1);
  assert.equal(remote[0]!.id, 'cnc4');
  assert.equal(remote[0]!.peer_count, 1);
  assert.equal(remote[0]!.eti_game_version, LATEST);
  return `5 sources (4 at 20250101, 1 at ${LATEST}); client row cnc4 peer_count=${remote[0]!.peer_count} eti_game_version=${remote[0]!.eti_game_version}`;
});
