import assert from 'node:assert/strict';
import { softwareVersion } from '../../src/software-version.js';
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
  // Each shows the other's lanspread release, from its hello: the build under test's.
  const release = softwareVersion();
  assert.deepEqual([alphaPeers[0]!.software, bravoPeers[0]!.software], [release, release]);
  const status = await alpha.cmd<{ software_version: string }>('status');
  assert.equal(status.software_version, release);
  assert.deepEqual(
    alphaPeers[0]!.games.map((g) => g.id),
    ['bfbc2', 'cnc4', 'cnctw', 'ggoo'],
  );
  assert.deepEqual(
    bravoPeers[0]!.games.map((g) => g.id),
    ['alienswarm', 'bf1942', 'ggoo'],
  );
  // Only the dialled side has been reached: what the UI's firewall hint rests on.
  const inbound = async (peer: typeof alpha) =>
    (await peer.cmd<{ inbound_peer_connections: number }>('status')).inbound_peer_connections;
  assert.deepEqual([await inbound(alpha), await inbound(bravo)], [0, 1]);
  return `alpha sees 1 peer (bravo ${bravo.addr}, lanspread ${release}, ${alphaPeers[0]!.games.length} games); bravo sees 1 peer (alpha, lanspread ${release}, ${bravoPeers[0]!.games.length} games); no self entry; inbound_peer_connections alpha 0, bravo 1`;
});

scenario('DIAL-BOTH', 'two peers that dial each other at once keep one session', async (lab) => {
  await lab.games('alpha', ALPHA);
  await lab.games('bravo', BRAVO);
  const alpha = await lab.start('alpha');
  const rounds = 10;
  for (let round = 0; round < rounds; round++) {
    const bravo = await lab.start('bravo');
    const [fromAlpha, fromBravo] = [alpha.events.length, bravo.events.length];
    await Promise.all([
      alpha.cmd('connect', { addr: bravo.addr }),
      bravo.cmd('connect', { addr: alpha.addr }),
    ]);
    // Let the connection that loses the tie close on both sides before looking.
    await new Promise((r) => setTimeout(r, 300));
    const churn = (events: readonly { event?: unknown }[]) =>
      events.filter((e) => e.event === 'peer-lost' || e.event === 'peer-connected').length;
    assert.equal(churn(alpha.events.slice(fromAlpha)), 1, `round ${round}: alpha saw churn`);
    assert.equal(churn(bravo.events.slice(fromBravo)), 1, `round ${round}: bravo saw churn`);
    assert.deepEqual(
      (await listPeers(alpha)).map((p) => p.peer_id),
      [bravo.peerId],
    );
    assert.deepEqual(
      (await listPeers(bravo)).map((p) => p.peer_id),
      [alpha.peerId],
    );
    // The kept session is the live one: the goodbye arrives over it.
    await bravo.shutdown();
    const lost = await alpha.waitEvent(
      (e) => e.event === 'peer-lost' && e.peer_id === bravo.peerId,
      5_000,
      fromAlpha,
    );
    assert.equal(lost.reason, 'goodbye');
  }
  return `${rounds} rounds of simultaneous connect: one peer-connected and no peer-lost on each side, then a goodbye`;
});
