import assert from 'node:assert/strict';
import { ALPHA, BRAVO } from './harness/fixtures.js';
import { link, listPeers } from './harness/assertions.js';
import { scenario } from './harness/lab.js';

scenario('S11', 'same identity reconnect', async (lab) => {
  await lab.games('alpha', ALPHA);
  await lab.games('bravo', BRAVO);
  const alpha = await lab.start('alpha');
  const bravo1 = await lab.start('bravo');
  await link(alpha, bravo1);
  await bravo1.shutdown();
  await alpha.waitEvent((e) => e.event === 'peer-lost' && e.peer_id === bravo1.peerId);
  // Same state folder, a new process and a new port.
  const bravo2 = await lab.start('bravo');
  assert.equal(bravo2.peerId, bravo1.peerId, 'same state dir keeps the peer id');
  assert.notEqual(bravo2.addr, bravo1.addr);
  await link(alpha, bravo2);
  const peers = await listPeers(alpha);
  assert.equal(peers.length, 1, 'one entry, no duplicate identity');
  assert.equal(peers[0]!.peer_id, bravo1.peerId);
  assert.equal(peers[0]!.addr, bravo2.addr);
  assert.equal(peers[0]!.games.length, 4);
  return `bravo id ${bravo1.peerId.slice(0, 12)} kept across restart; ${bravo1.addr} -> ${bravo2.addr}; alpha lists 1 peer at the new address`;
});
