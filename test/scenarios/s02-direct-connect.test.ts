import assert from 'node:assert/strict';
import { ALPHA, BRAVO } from './harness/fixtures.js';
import { link, listPeers } from './harness/assertions.js';
import { scenario } from './harness/lab.js';

scenario('S2', 'direct connect handshake', async (lab) => {
  await lab.games('alpha', ALPHA);
  await lab.games('bravo', BRAVO);
  const alpha = await lab.start('alpha');
  const bravo = await lab.start('bravo');
  await link(alpha, bravo);
  await alpha.waitEvent((e) => e.event === 'remote-library-changed' && e.peer_id === bravo.peerId);
  await bravo.waitEvent((e) => e.event === 'remote-library-changed' && e.peer_id === alpha.peerId);
  const [alphaPeers, bravoPeers] = [await listPeers(alpha), await listPeers(bravo)];
  assert.equal(alphaPeers.length, 1);
  assert.equal(bravoPeers.length, 1);
  assert.equal(alphaPeers[0]!.peer_id, bravo.peerId);
  assert.equal(bravoPeers[0]!.peer_id, alpha.peerId);
  assert.ok(
    alphaPeers.every((p) => p.peer_id !== alpha.peerId),
    'no self entry',
  );
  assert.equal(alphaPeers[0]!.addr, bravo.addr);
  assert.deepEqual(
    alphaPeers[0]!.games.map((g) => g.id),
    ['bfbc2', 'cnc4', 'cnctw', 'ggoo'],
  );
  assert.deepEqual(
    bravoPeers[0]!.games.map((g) => g.id),
    ['alienswarm', 'bf1942', 'ggoo'],
  );
  return `alpha sees 1 peer (bravo ${bravo.addr}, ${alphaPeers[0]!.games.length} games); bravo sees 1 peer (alpha, ${bravoPeers[0]!.games.length} games); no self entry`;
});
