import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { GameId, GameVersion, PeerId, SoftwareVersion } from '../../../src/ids.js';
import { loadOrCreateIdentity, type Identity } from '../../../src/identity/index.js';
import { silentLogger } from '../../../src/logger.js';
import {
  DEFAULT_LIVENESS,
  DELTA_RATE,
  PeerMesh,
  PeerSession,
  type MeshEvent,
} from '../../../src/mesh/index.js';
import { Transport } from '../../../src/net/index.js';
import { PROTOCOL_VERSION, type WireGame, type WireMessage } from '../../../src/protocol/index.js';

const HOST = '127.0.0.1';
const dir = await mkdtemp(join(tmpdir(), 'lanspread-mesh-'));
const meshes: PeerMesh[] = [];
after(async () => {
  await Promise.all(meshes.map((m) => m.close()));
  await rm(dir, { recursive: true, force: true });
});

const identities = new Map<string, Identity>();
async function identity(name: string): Promise<Identity> {
  const known = identities.get(name);
  if (known !== undefined) return known;
  const made = await loadOrCreateIdentity(join(dir, name), silentLogger);
  identities.set(name, made);
  return made;
}

interface Node {
  mesh: PeerMesh;
  id: PeerId;
  addr: string;
  events: MeshEvent[];
  library: WireGame[];
  /** Resolves with the first event from index `from` on (seen or future) that matches. */
  next(match: (e: MeshEvent) => boolean, from?: number): Promise<MeshEvent>;
}

/** A release of its own per node, so a test sees whose version it is shown. */
const release = (name: string): SoftwareVersion => `0.0.0-${name}` as SoftwareVersion;

async function start(name: string, port = 0): Promise<Node> {
  const id = await identity(name);
  const events: MeshEvent[] = [];
  const waiters = new Set<() => void>();
  const node: Node = {
    id: id.peerId,
    addr: '',
    events,
    library: [],
    mesh: new PeerMesh({
      identity: id,
      name,
      software: release(name),
      library: () => node.library,
      liveness: DEFAULT_LIVENESS,
      log: silentLogger,
      onEvent: (event) => {
        events.push(event);
        for (const waiter of [...waiters]) waiter();
      },
      onTransfer: (conn) => {
        conn.destroy();
      },
      redialFirstMs: 50,
      redialRetryMs: 100,
    }),
    next: (match, from = 0) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const found = events.slice(from).find(match);
          if (found === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${name}: no such event; saw ${events.map((e) => e.kind).join(', ')}`));
        }, 5_000);
        waiters.add(check);
        check();
      }),
  };
  meshes.push(node.mesh);
  node.addr = await node.mesh.listen(HOST, port);
  return node;
}

const game = (id: string): WireGame => ({
  id: id as GameId,
  version: '1' as GameVersion,
  downloaded: true,
  installed: false,
  servable: true,
  size: 10,
});

test('two meshes on loopback connect, prove ids and exchange libraries', async () => {
  const a = await start('a1');
  const b = await start('b1');
  a.library = [game('alpha')];
  const waiting = b.mesh.waitPeers(1, 5_000);
  assert.equal(await a.mesh.connect(b.addr), b.id);
  assert.equal(await waiting, 1);
  await a.next((e) => e.kind === 'peer-connected' && e.peerId === b.id);
  await b.next((e) => e.kind === 'peer-connected' && e.peerId === a.id);
  assert.deepEqual([...(b.mesh.record(a.id)?.library.keys() ?? [])], ['alpha']);
  // Each knows the other's release from its hello.
  assert.equal(b.mesh.record(a.id)?.software, '0.0.0-a1');
  assert.equal(a.mesh.record(b.id)?.software, '0.0.0-b1');
  // A known address is not dialled again.
  assert.equal(await a.mesh.connect(b.addr), b.id);
  assert.equal(a.events.filter((e) => e.kind === 'peer-connected').length, 1);

  const before = b.events.length;
  a.mesh.sendDelta({ upsert: [game('bravo')], remove: [] });
  await b.next((e) => e.kind === 'remote-library-changed', before);
  assert.deepEqual([...(b.mesh.record(a.id)?.library.keys() ?? [])].sort(), ['alpha', 'bravo']);
});

test('when both sides dial at once, both keep the same one connection and report no loss', async () => {
  const a = await start('a2');
  const b = await start('b2');
  const [toB, toA] = await Promise.all([a.mesh.connect(b.addr), b.mesh.connect(a.addr)]);
  assert.equal(toB, b.id);
  assert.equal(toA, a.id);
  // The discarded connection closes on both sides; give that time to surface as a (wrong) loss.
  await new Promise((r) => setTimeout(r, 500));
  for (const node of [a, b]) {
    assert.equal(node.mesh.size, 1);
    assert.equal(node.events.filter((e) => e.kind === 'peer-connected').length, 1);
    assert.deepEqual(
      node.events.filter((e) => e.kind === 'peer-lost'),
      [],
    );
  }
  // Both kept the same connection: a delta sent on A's session arrives at B's.
  const before = b.events.length;
  a.mesh.sendDelta({ upsert: [game('charlie')], remove: [] });
  await b.next((e) => e.kind === 'remote-library-changed', before);
});

test('a peer that leaves is reported lost with its reason, and redialled when it is back', async () => {
  const a = await start('a3');
  const b = await start('b3');
  await a.mesh.connect(b.addr);
  await b.mesh.close();
  const lost = await a.next((e) => e.kind === 'peer-lost');
  assert.deepEqual(lost, { kind: 'peer-lost', peerId: b.id, addr: b.addr, reason: 'goodbye' });
  assert.equal(a.mesh.size, 0);
  // The same identity back on the same port: the redial finds it without being told.
  const port = Number(b.addr.slice(b.addr.lastIndexOf(':') + 1));
  await start('b3', port);
  await a.next((e) => e.kind === 'peer-connected', a.events.indexOf(lost));
  assert.equal(a.mesh.size, 1);
});

const transports: Transport[] = [];
after(() => Promise.all(transports.map((t) => t.close())));

/** A session of a fresh identity with `to`, driven by the test: it sends what a peer would not. */
async function rawSession(
  name: string,
  to: Node,
): Promise<{ session: PeerSession; errors: string[] }> {
  const id = await identity(name);
  const transport = new Transport({ identity: id, log: silentLogger });
  transports.push(transport);
  const [host, port] = to.addr.split(':');
  const conn = await transport.dial(host!, Number(port));
  const errors: string[] = [];
  conn.onMessage((msg) => {
    if (msg.t === 'error') errors.push(msg.code);
  });
  const session = await PeerSession.establish(
    conn,
    { peerId: id.peerId, name, software: release(name), listenPort: 9, library: [] },
    silentLogger,
  );
  session.start({ onDelta: () => undefined, onAlive: () => undefined, onEnd: () => undefined });
  return { session, errors };
}

test('library deltas at an honest pace all arrive; a storm is held back and then cut with peer-over-budget', async () => {
  const calm = await start('calm');
  const { session, errors } = await rawSession('stormer', calm);
  await calm.next((e) => e.kind === 'peer-connected');
  const changes = (): number =>
    calm.events.filter((e) => e.kind === 'remote-library-changed').length;
  const before = changes();
  for (let i = 0; i < DELTA_RATE.burst - 10; i++)
    session.sendDelta({ upsert: [game(`g${i}`)], remove: [] });
  await calm.next(
    (e) => e.kind === 'remote-library-changed' && changes() - before === DELTA_RATE.burst - 10,
  );
  for (let i = 0; i < 5_000; i++) session.sendDelta({ upsert: [game(`s${i % 50}`)], remove: [] });
  const lost = await calm.next((e) => e.kind === 'peer-lost');
  assert.equal(lost.kind === 'peer-lost' && lost.reason, 'error');
  assert.deepEqual(errors, ['peer-over-budget']);
  const storm = changes() - before - (DELTA_RATE.burst - 10);
  assert.ok(storm < 1_000, `${storm} of 5,000 deltas were applied before the cut`);
});

test('a peer of protocol 1 (its hello names no release) is told which protocol we speak', async () => {
  const b = await start('b-old');
  const id = await identity('old-build');
  const transport = new Transport({ identity: id, log: silentLogger });
  transports.push(transport);
  const conn = await transport.dial(HOST, Number(b.addr.split(':')[1]));
  // Its hello, then the refusal, then the close (settling this with null if nothing came).
  const answer = new Promise<WireMessage | null>((resolve) => {
    conn.onMessage((msg) => {
      if (msg.t !== 'hello') resolve(msg);
    });
    conn.onClose(() => {
      resolve(null);
    });
  });
  conn.send({
    t: 'hello',
    protocol: 1,
    peer_id: id.peerId,
    name: 'old-build',
    listen_port: 9,
    library: [],
  });
  assert.deepEqual(await answer, {
    t: 'error',
    code: 'protocol-error',
    message: `protocol ${PROTOCOL_VERSION} only`,
  });
  assert.equal(b.mesh.record(id.peerId), undefined);
});

test('a discovered peer no dial reaches is listed with the error, and leaves the list once connected', async () => {
  const a = await start('a-hint');
  const b = await start('b-hint');
  const port = Number(b.addr.split(':')[1]);
  await b.mesh.close();
  assert.equal(await a.mesh.dialHint(b.addr, b.id, 'beacon', release('b-hint')), false);
  assert.deepEqual(
    a.mesh.unreachedPeers().map((p) => [p.peerId, p.addr, p.via, p.software, p.failures]),
    [[b.id, b.addr, 'beacon', '0.0.0-b-hint', 1]],
  );
  assert.match(a.mesh.unreachedPeers()[0]?.error ?? '', /connection refused/);
  // Another peer at an announced address: no peer made, and the reason said.
  const c = await start('c-hint');
  assert.equal(await a.mesh.dialHint(c.addr, b.id, 'mdns'), false);
  assert.deepEqual(
    a.mesh.unreachedPeers().map((p) => [p.addr, p.software, p.error]),
    [[c.addr, null, 'another peer answered at this address']],
  );
  const back = await start('b-hint', port);
  // Past the first backoff of the failed address.
  await new Promise((done) => setTimeout(done, 1_100));
  assert.equal(await a.mesh.dialHint(back.addr, back.id, 'beacon'), true);
  assert.deepEqual(a.mesh.unreachedPeers(), []);
});
