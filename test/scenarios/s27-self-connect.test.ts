import assert from 'node:assert/strict';
import { ALPHA } from './harness/fixtures.js';
import { listPeers } from './harness/assertions.js';
import { scenario } from './harness/lab.js';

scenario('S27', 'self-connect rejection', async (lab) => {
  await lab.games('alpha', ALPHA);
  const alpha = await lab.start('alpha');
  const answer = await alpha.request('connect', { addr: alpha.addr });
  assert.equal(answer.ok, false);
  assert.equal(answer.error?.code, 'self-connect');
  assert.deepEqual(await listPeers(alpha), []);
  const status = await alpha.cmd<{ peer_id: string; peers: number }>('status');
  assert.equal(status.peer_id, alpha.peerId);
  assert.equal(status.peers, 0);
  assert.equal(alpha.events.filter((e) => e.event === 'peer-connected').length, 0);
  return `connect ${alpha.addr} -> ${answer.error?.code} ("${answer.error?.message}"); list-peers empty; status still answers`;
});
