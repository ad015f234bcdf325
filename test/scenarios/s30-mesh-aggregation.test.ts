import assert from 'node:assert/strict';
import { smallGame } from './harness/fixtures.js';
import {
  assertNoDuplicateIds,
  link,
  listGames,
  listPeers,
  remoteCounts,
} from './harness/assertions.js';
import { scenario } from './harness/lab.js';

// Five peers with partially overlapping libraries; a sixth connects to all five.
const LIBRARIES: Record<string, string[]> = {
  p1: ['alienswarm', 'ggoo'],
  p2: ['ggoo', 'bfbc2'],
  p3: ['ggoo', 'cnc4', 'cod5'],
  p4: ['cnctw'],
  p5: ['cnctw', 'css', 'ggoo'],
};

scenario('S30', '5+ peer mesh aggregation', async (lab) => {
  const peers = [];
  for (const [name, ids] of Object.entries(LIBRARIES)) {
    await lab.games(
      name,
      ids.map((id) => smallGame(id)),
    );
    peers.push(await lab.start(name));
  }
  const client = await lab.start('client');
  for (const peer of peers) await link(client, peer);
  const { remote } = await listGames(client);
  assertNoDuplicateIds(remote);
  assert.equal(remoteCounts(remote), 'alienswarm=1 bfbc2=1 cnc4=1 cnctw=2 cod5=1 css=1 ggoo=4');
  assert.ok(remote.every((r) => r.eti_game_version === '20250101'));
  const listed = await listPeers(client);
  assert.equal(listed.length, 5);
  assert.ok(
    listed.every((p) => p.peer_id !== client.peerId),
    'no self entry',
  );
  return `6 peers; client sees 5 peers, rows ${remoteCounts(remote)}, no duplicates, no self entry`;
});
