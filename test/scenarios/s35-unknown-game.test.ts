import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeCatalogFile } from '../../src/catalog/index.js';
import { smallGame } from './harness/fixtures.js';
import { link, listGames, listPeers } from './harness/assertions.js';
import { scenario } from './harness/lab.js';

scenario('S35', 'unknown game id from a remote peer', async (lab) => {
  // The source's own catalog knows mystery-game; the receiver's (the embedded default) does not.
  const sourceCatalog = join(lab.root, 'source-catalog.db');
  await writeCatalogFile(sourceCatalog, [
    { id: 'mystery-game', name: 'Mystery Game', version: '20250101' },
    { id: 'ggoo', name: 'Goo', version: '20250101' },
  ]);
  await lab.games('source', [smallGame('mystery-game'), smallGame('ggoo')]);
  const source = await lab.start('source', { catalog: sourceCatalog });
  const client = await lab.start('client');
  await link(client, source);
  const sourceView = await listGames(source);
  assert.deepEqual(
    sourceView.local.map((g) => g.id),
    ['ggoo', 'mystery-game'],
    'the source advertises both',
  );
  const { remote } = await listGames(client);
  assert.deepEqual(
    remote.map((r) => r.id),
    ['ggoo'],
  );
  const peers = await listPeers(client);
  assert.deepEqual(
    peers[0]!.games.map((g) => g.id),
    ['ggoo'],
  );
  const answer = await client.request('download', { game: 'mystery-game' });
  assert.equal(answer.error?.code, 'unknown-game');
  assert.equal(existsSync(join(lab.gamesDir('client'), 'mystery-game')), false);
  return `source advertises ggoo+mystery-game; client remote rows [${remote.map((r) => r.id).join(',')}]; download mystery-game -> ${answer.error?.code}; no files`;
});
