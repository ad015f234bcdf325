import assert from 'node:assert/strict';
import { ALPHA, BRAVO } from './harness/fixtures.js';
import { assertNoDuplicateIds, link, listGames, remoteCounts } from './harness/assertions.js';
import { scenario } from './harness/lab.js';

scenario('S3', 'remote aggregation', async (lab) => {
  await lab.games('alpha', ALPHA);
  await lab.games('bravo', BRAVO);
  const alpha = await lab.start('alpha');
  const bravo = await lab.start('bravo');
  const client = await lab.start('client');
  await link(client, alpha);
  await link(client, bravo);
  const { local, remote } = await listGames(client);
  assert.deepEqual(local, []);
  assertNoDuplicateIds(remote);
  assert.equal(remoteCounts(remote), 'alienswarm=1 bf1942=1 bfbc2=1 cnc4=1 cnctw=1 ggoo=2');
  assert.ok(remote.every((r) => r.eti_game_version === '20250101' && r.size > 0));
  return `remote rows ${remoteCounts(remote)}`;
});
