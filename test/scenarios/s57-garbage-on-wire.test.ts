import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as tcpConnect, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { loadOrCreateIdentity, type Identity } from '../../src/identity/index.js';
import { silentLogger } from '../../src/logger.js';
import { ALPHA, BRAVO } from './harness/fixtures.js';
import { link, listPeers } from './harness/assertions.js';
import { scenario, type Lab } from './harness/lab.js';

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

/** Alpha, the peer under attack, with bravo, an honest peer connected to it. */
async function linkedPair(lab: Lab) {
  await lab.games('alpha', ALPHA);
  await lab.games('bravo', BRAVO);
  const alpha = await lab.start('alpha');
  const bravo = await lab.start('bravo');
  await link(bravo, alpha);
  return { alpha, bravo, ...hostPort(alpha.addr) };
}

scenario('S57', 'garbage on the wire (random bytes, oversized frame)', async (lab) => {
  const { alpha, bravo, host, port } = await linkedPair(lab);

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

/** The first bytes a real TLS client sends (its ClientHello), caught by a listener that never answers. */
async function clientHello(intruder: Identity): Promise<Buffer> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  const first = new Promise<Buffer>((done) =>
    server.once('connection', (s) =>
      s.once('data', (b: Buffer) => {
        s.destroy();
        done(b);
      }),
    ),
  );
  const tls = tlsConnect({ host: '127.0.0.1', port, key: intruder.keyPem, cert: intruder.certPem });
  tls.on('error', () => undefined);
  const hello = await first;
  tls.destroy();
  server.close();
  return hello;
}

/** Client sockets of a scenario: read (a paused socket never sees the peer's FIN) and destroyed at the end. */
class Clients {
  readonly #open: Socket[] = [];

  track<S extends Socket>(socket: S): S {
    socket.on('error', () => undefined);
    socket.resume();
    this.#open.push(socket);
    return socket;
  }

  destroyAll(): void {
    for (const s of this.#open) s.destroy();
  }
}

/** Milliseconds until the peer closes `socket`, or a failure after `limitMs`. */
function msUntilClosed(socket: Socket, limitMs: number, what: string): Promise<number> {
  const at = Date.now();
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      fail(new Error(`${what} still open after ${limitMs} ms`));
    }, limitMs);
    socket.once('close', () => {
      clearTimeout(timer);
      done(Date.now() - at);
    });
  });
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return Number(line?.[1] ?? NaN) / 1024;
}

scenario('S57', 'half-open, slow and flooding clients', async (lab) => {
  const clients = new Clients();
  try {
    return await flood(lab, clients);
  } finally {
    clients.destroyAll();
  }
});

async function flood(lab: Lab, clients: Clients): Promise<string> {
  const { alpha, bravo, host, port } = await linkedPair(lab);
  const intruder = await loadOrCreateIdentity(join(lab.root, 'intruder'), silentLogger);
  const LIMIT_MS = 15_000;

  // Idle handshakes time out (10 s): a TCP client that says nothing, one that trickles a real
  // ClientHello a byte at a time, and TLS clients that never send a request or a hello.
  const silent = clients.track(tcpConnect({ host, port }));
  const hello = await clientHello(intruder);
  const slow = clients.track(tcpConnect({ host, port }));
  let sent = 0;
  const trickle = setInterval(() => {
    if (sent < hello.length && !slow.destroyed) slow.write(hello.subarray(sent, ++sent));
  }, 250);
  slow.once('close', () => {});
  const quiet = (alpn: string) =>
    clients.track(
      tlsConnect({
        host,
        port,
        key: intruder.keyPem,
        cert: intruder.certPem,
        rejectUnauthorized: false,
        ALPNProtocols: [alpn],
      }),
    );
  const quietControl = quiet('lanspread-control/1');
  const quietTransfer = quiet('lanspread-transfer/1');
  const dropped = Promise.all([
    msUntilClosed(silent, LIMIT_MS, 'a silent TCP client'),
    msUntilClosed(slow, LIMIT_MS, 'a client trickling its ClientHello'),
    msUntilClosed(quietControl, LIMIT_MS, 'a TLS control client that sends no hello'),
    msUntilClosed(quietTransfer, LIMIT_MS, 'a TLS transfer client that sends no request'),
  ]);

  // A TLS client with no certificate at all is dropped at once.
  const anonymous = clients.track(
    tlsConnect({ host, port, rejectUnauthorized: false, ALPNProtocols: ['lanspread-control/1'] }),
  );
  await msUntilClosed(anonymous, LIMIT_MS, 'a TLS client with no certificate');

  // A burst of 300 connects sending garbage, while alpha keeps answering its own commands.
  const BURST = 300;
  const rssBefore = rssMiB(alpha.pid ?? 0);
  const burst = Array.from({ length: BURST }, () => {
    const s = clients.track(tcpConnect({ host, port }));
    s.on('connect', () => s.write(randomBytes(512)));
    return msUntilClosed(s, LIMIT_MS, 'a burst client');
  });
  let answered = 0;
  let slowestMs = 0;
  const polling = (async () => {
    for (let i = 0; i < 10; i++) {
      const at = Date.now();
      await alpha.cmd('status', {}, 5_000);
      slowestMs = Math.max(slowestMs, Date.now() - at);
      answered++;
    }
  })();
  await Promise.all([...burst, polling]);
  const rssAfter = rssMiB(alpha.pid ?? 0);
  const [silentMs, slowMs, quietControlMs, quietTransferMs] = await dropped;
  clearInterval(trickle);

  assert.equal(answered, 10);
  assert.ok(
    slowMs >= 5_000,
    `the trickling client was dropped after ${slowMs} ms, before it stalled`,
  );
  assert.ok(rssAfter < 200, `alpha's RSS grew to ${rssAfter.toFixed(0)} MiB`);
  // The honest peer never noticed.
  assert.deepEqual(
    (await listPeers(alpha)).map((p) => p.peer_id),
    [bravo.peerId],
  );
  assert.equal(alpha.events.filter((e) => e.event === 'peer-lost').length, 0);
  assert.equal(bravo.events.filter((e) => e.event === 'peer-lost').length, 0);

  // Each rejected connection is logged, but a flood only as a burst then one line a second.
  const log = readFileSync(join(lab.root, 'alpha.stderr.log'), 'utf8').split('\n');
  const warned = log.filter((l) => l.includes('dropped an inbound connection'));
  const counted = warned.reduce(
    (n, l) => n + Number(/"not_logged_since":(\d+)/.exec(l)?.[1] ?? 0),
    0,
  );
  assert.ok(warned.length >= 20, `only ${warned.length} drop warnings`);
  assert.ok(warned.length <= 60, `${warned.length} drop warnings for ${BURST + 6} connections`);
  return `dropped: silent TCP after ${silentMs} ms, trickled ClientHello after ${slowMs} ms, TLS without hello after ${quietControlMs} ms, transfer without request after ${quietTransferMs} ms, no certificate at once; ${BURST} garbage connects: alpha answered 10 status commands (slowest ${slowestMs} ms), RSS ${rssBefore.toFixed(0)} -> ${rssAfter.toFixed(0)} MiB; ${warned.length} drop warnings logged, ${counted} more counted as not logged; bravo never lost`;
}
