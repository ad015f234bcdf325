import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { loadOrCreateIdentity } from '../../src/identity/index.js';
import { silentLogger } from '../../src/logger.js';
import { ALPHA, BRAVO } from './harness/fixtures.js';
import { link, listPeers } from './harness/assertions.js';
import { scenario } from './harness/lab.js';

function hostPort(addr: string): { host: string; port: number } {
  const [host, port] = addr.split(':');
  return { host: host!, port: Number(port) };
}

/** Resolves once the server has closed the socket on us. */
function closed(socket: NodeJS.EventEmitter): Promise<void> {
  return new Promise((done) =>
    socket.once('close', () => {
      done();
    }),
  );
}

scenario('S57', 'garbage on the wire (random bytes, oversized frame)', async (lab) => {
  await lab.games('alpha', ALPHA);
  await lab.games('bravo', BRAVO);
  const alpha = await lab.start('alpha');
  const bravo = await lab.start('bravo');
  await link(bravo, alpha);
  const { host, port } = hostPort(alpha.addr);

  // 1. A plain TCP client that sends random bytes: the TLS handshake fails, alpha drops it.
  const raw = tcpConnect({ host, port });
  raw.on('error', () => undefined);
  raw.write(randomBytes(64 * 1024));
  await closed(raw);

  // 2. A TLS client with a valid key that declares a 4 GiB frame: dropped before any payload.
  const intruder = await loadOrCreateIdentity(join(lab.root, 'intruder'), silentLogger);
  const tls = tlsConnect({
    host,
    port,
    key: intruder.keyPem,
    cert: intruder.certPem,
    rejectUnauthorized: false,
    ALPNProtocols: ['lanspread-transfer/1'],
  });
  tls.on('error', () => undefined);
  await new Promise<void>((done) =>
    tls.once('secureConnect', () => {
      done();
    }),
  );
  const header = Buffer.alloc(5);
  header.writeUInt32BE(0xffffffff, 0);
  header[4] = 1;
  tls.write(header);
  await closed(tls);

  // 3. The same key speaking garbage JSON in a well-formed frame: dropped too.
  const tls2 = tlsConnect({
    host,
    port,
    key: intruder.keyPem,
    cert: intruder.certPem,
    rejectUnauthorized: false,
    ALPNProtocols: ['lanspread-control/1'],
  });
  tls2.on('error', () => undefined);
  await new Promise<void>((done) =>
    tls2.once('secureConnect', () => {
      done();
    }),
  );
  const body = Buffer.from('{"t":"hello","protocol":1,"peer_id":"nope"}');
  const frame = Buffer.alloc(5);
  frame.writeUInt32BE(body.length + 1, 0);
  frame[4] = 1;
  tls2.write(Buffer.concat([frame, body]));
  await closed(tls2);

  // The honest peer stayed connected all along, and alpha still answers its own commands.
  const peers = await listPeers(alpha);
  assert.deepEqual(
    peers.map((p) => p.peer_id),
    [bravo.peerId],
  );
  assert.equal(alpha.events.filter((e) => e.event === 'peer-lost').length, 0);
  assert.equal(bravo.events.filter((e) => e.event === 'peer-lost').length, 0);
  assert.equal(alpha.events.filter((e) => e.event === 'peer-connected').length, 1);
  const status = await alpha.cmd<{ peers: number }>('status');
  assert.equal(status.peers, 1);
  return 'random-bytes TCP client, 4 GiB frame header and schema-violating hello each dropped; bravo stayed connected (no peer-lost), alpha answers status';
});
