import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadOrCreateIdentity } from '../../src/identity/index.js';
import { silentLogger } from '../../src/logger.js';
import { Transport } from '../../src/net/index.js';
import { parseHostPort } from '../../src/host-port.js';
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

scenario(
  'S10',
  'a peer shutting down says goodbye also where its hello exchange is unfinished',
  async (lab) => {
    await lab.games('alpha', ALPHA);
    const alpha = await lab.start('alpha');
    // A remote that has already taken alpha's hello on this connection (a duplicate dial settling
    // there) but whose own hello alpha has not yet received.
    const identity = await loadOrCreateIdentity(join(lab.root, 'remote'), silentLogger);
    const transport = new Transport({ identity, log: silentLogger });
    try {
      const { host, port } = parseHostPort(alpha.addr);
      const conn = await transport.dial(host, port);
      const seen: string[] = [];
      const closed = new Promise<void>((resolve) => {
        conn.onClose(() => {
          resolve();
        });
      });
      const hello = new Promise<void>((resolve) => {
        conn.onMessage((msg) => {
          seen.push(msg.t);
          if (msg.t === 'hello') resolve();
        });
      });
      await hello;
      assert.equal(await alpha.shutdown(), 0);
      await closed;
      assert.deepEqual(seen, ['hello', 'goodbye']);
      return `alpha sent ${seen.join(', ')} on a connection whose hello exchange it never finished, then closed it`;
    } finally {
      await transport.close();
    }
  },
);
