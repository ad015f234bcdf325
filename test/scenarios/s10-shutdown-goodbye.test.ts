import assert from 'node:assert/strict';
import { ALPHA, BRAVO } from './harness/fixtures.js';
import { link, listGames, listPeers, remoteCounts } from './harness/assertions.js';
import { scenario } from './harness/lab.js';

scenario('S10', 'shutdown and goodbye cleanup', async (lab) => {
  await lab.games('alpha', ALPHA);
  await lab.games('bravo', BRAVO);
  const alpha = await lab.start('alpha');
  const bravo = await lab.start('bravo');
  await link(alpha, bravo);
  const before = await listGames(alpha);
  assert.equal(remoteCounts(before.remote), 'bfbc2=1 cnc4=1 cnctw=1 ggoo=1');
  const exitCode = await bravo.shutdown();
  assert.equal(exitCode, 0);
  const lost = await alpha.waitEvent((e) => e.event === 'peer-lost' && e.peer_id === bravo.peerId);
  assert.equal(lost.reason, 'goodbye');
  assert.deepEqual(await listPeers(alpha), []);
  assert.deepEqual((await listGames(alpha)).remote, []);
  return `before: ${remoteCounts(before.remote)}; bravo exit ${exitCode}; alpha peer-lost reason=${String(lost.reason)}; after: no peers, no remote games`;
});

scenario('S10', 'a killed peer is dropped with its games (no goodbye)', async (lab) => {
  await lab.games('alpha', ALPHA);
  await lab.games('bravo', BRAVO);
  const alpha = await lab.start('alpha');
  const bravo = await lab.start('bravo');
  await link(alpha, bravo);
  bravo.kill('SIGKILL');
  const lost = await alpha.waitEvent((e) => e.event === 'peer-lost' && e.peer_id === bravo.peerId);
  assert.ok(['closed', 'error', 'timeout'].includes(String(lost.reason)));
  assert.deepEqual(await listPeers(alpha), []);
  assert.deepEqual((await listGames(alpha)).remote, []);
  return `SIGKILLed bravo -> alpha peer-lost reason=${String(lost.reason)}; its games are gone`;
});
