import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createLan, type Lan } from '../support/netns.js';
import { listPeers } from './harness/assertions.js';
import { ALPHA, BRAVO } from './harness/fixtures.js';
import { scenario, type Lab } from './harness/lab.js';
import type { PeerProcess } from './harness/peer-process.js';

/** Peers drop a silent peer after this many seconds here, to keep the scenario short. */
const PEER_TIMEOUT_S = 6;

async function startOn(lab: Lab, lan: Lan, i: number, name: string): Promise<PeerProcess> {
  return lab.start(name, {
    netns: lan.hosts[i]?.netns ?? '',
    extraArgs: ['--peer-timeout', String(PEER_TIMEOUT_S)],
  });
}

/** Milliseconds until `peer` lists `count` peers, failing after `limitMs`. */
async function msUntilPeers(
  peer: PeerProcess,
  count: number,
  started: number,
  limitMs: number,
): Promise<number> {
  const answer = await peer.request('wait-peers', {
    count,
    timeout_ms: Math.max(0, limitMs - (Date.now() - started)),
  });
  assert.equal(answer.ok, true, `${peer.name}: ${JSON.stringify(answer.error)}`);
  return Date.now() - started;
}

function setLink(netns: string, state: 'up' | 'down'): void {
  const run = spawnSync('ip', ['-n', netns, 'link', 'set', 'eth0', state]);
  assert.equal(run.status, 0, run.stderr.toString());
}

async function peerIds(peer: PeerProcess): Promise<string[]> {
  return (await listPeers(peer)).map((p) => p.peer_id).sort();
}

scenario('S55', 'mDNS discovery: three peers in three namespaces, no connect', async (lab) => {
  const lan = createLan(3);
  try {
    await lab.games('a', ALPHA);
    await lab.games('b', BRAVO);
    const [a, b, c] = await Promise.all([
      startOn(lab, lan, 0, 'a'),
      startOn(lab, lan, 1, 'b'),
      startOn(lab, lan, 2, 'c'),
    ]);
    // Discovery time counts from the moment the last peer is up, not from spawning processes
    // (Node's start-up alone can take seconds on a loaded machine).
    const started = Date.now();
    const times = await Promise.all([a, b, c].map((p) => msUntilPeers(p, 2, started, 5_000)));
    assert.deepEqual(await peerIds(a), [b.peerId, c.peerId].sort());
    assert.deepEqual(await peerIds(b), [a.peerId, c.peerId].sort());
    const status = await a.cmd<{
      discovery: { mdns: { running: boolean }; interfaces: { address: string }[] };
    }>('status');
    assert.equal(status.discovery.mdns.running, true);
    assert.deepEqual(
      status.discovery.interfaces.map((i) => i.address),
      [lan.hosts[0]?.address],
    );

    // A graceful shutdown is seen at once.
    const byeAt = Date.now();
    const cGone = [a, b].map((p) =>
      p.waitEvent((e) => e.event === 'peer-lost' && e.peer_id === c.peerId, 5_000),
    );
    assert.equal(await c.shutdown(), 0);
    const goodbye = await Promise.all(cGone);
    assert.ok(
      goodbye.every((e) => e.reason === 'goodbye'),
      JSON.stringify(goodbye),
    );
    const goodbyeMs = Date.now() - byeAt;

    // A killed peer is dropped at once (its kernel closes the socket), and its mDNS record,
    // which bonjour-service never expires, does not bring it back.
    const killAt = Date.now();
    const bLost = a.waitEvent(
      (e) => e.event === 'peer-lost' && e.peer_id === b.peerId,
      (PEER_TIMEOUT_S + 5) * 1000,
    );
    b.kill('SIGKILL');
    const killed = await bLost;
    const killMs = Date.now() - killAt;
    await new Promise((r) => setTimeout(r, 3_000));
    assert.deepEqual(await peerIds(a), [], 'the killed peer stays gone');

    // Restarted on the same state, it is found again with the same id.
    const restartAt = Date.now();
    const again = await startOn(lab, lan, 1, 'b');
    assert.equal(again.peerId, b.peerId);
    const foundMs = await msUntilPeers(a, 1, restartAt, 5_000);
    assert.deepEqual(await peerIds(a), [b.peerId]);

    // A pulled cable sends nothing at all: only liveness can tell, within the timeout.
    const from = a.events.length;
    const pullAt = Date.now();
    setLink(lan.hosts[1]?.netns ?? '', 'down');
    const pulled = await a.waitEvent(
      (e) => e.event === 'peer-lost' && e.peer_id === b.peerId,
      (PEER_TIMEOUT_S + 5) * 1000,
      from,
    );
    const pullMs = Date.now() - pullAt;
    assert.equal(pulled.reason, 'timeout');
    assert.ok(pullMs <= (PEER_TIMEOUT_S + 2) * 1000, `dropped after ${pullMs} ms`);
    // Plugged back in, it is found again (redial with backoff, or discovery).
    const plugAt = Date.now();
    setLink(lan.hosts[1]?.netns ?? '', 'up');
    const backMs = await msUntilPeers(a, 1, plugAt, 40_000);
    return `each saw the other two after ${times.join('/')} ms (mDNS on eth0 only); goodbye seen by both in ${goodbyeMs} ms; SIGKILLed b dropped by a after ${killMs} ms (${String(killed.reason)}), not resurrected by its mDNS record in 3 s; restarted on the same state it was found again as ${b.peerId.slice(0, 12)} after ${foundMs} ms; cable pulled: dropped after ${pullMs} ms (timeout, --peer-timeout ${PEER_TIMEOUT_S}); plugged back: found again after ${backMs} ms`;
  } finally {
    lan.destroy();
  }
});

/** Sends one beacon datagram from inside `netns`, as a liar would. */
function sendBeacon(netns: string, broadcast: string, payload: string): void {
  const script = `const s = require('node:dgram').createSocket('udp4');
    s.bind(() => { s.setBroadcast(true); s.send(process.argv[1], 47625, process.argv[2], () => s.close()); });`;
  const run = spawnSync('ip', [
    'netns',
    'exec',
    netns,
    process.execPath,
    '-e',
    script,
    payload,
    broadcast,
  ]);
  assert.equal(run.status, 0, run.stderr.toString());
}

scenario('S60', 'discovery without multicast: the broadcast beacon alone', async (lab) => {
  const lan = createLan(3, { dropMulticast: true });
  try {
    const peers = await Promise.all([0, 1, 2].map((i) => startOn(lab, lan, i, `p${i}`)));
    const started = Date.now(); // from the last peer up, as in S55
    const times = await Promise.all(peers.map((p) => msUntilPeers(p, 2, started, 5_000)));
    const [p0, p1] = peers as [PeerProcess, PeerProcess, PeerProcess];
    type Status = {
      discovery: {
        mdns: { answers_received: number };
        beacon: { received: number; ignored: number };
      };
      unreachable_peers: { peer_id: string; via: string; software: string | null; error: string }[];
    };
    // Whoever started last may have been dialled before any beacon reached it, so the proof
    // is across the three: no mDNS answer crossed the LAN, and beacons did.
    const statuses = await Promise.all(peers.map((p) => p.cmd<Status>('status')));
    const answers = statuses.reduce((n, s) => n + s.discovery.mdns.answers_received, 0);
    const beacons = statuses.reduce((n, s) => n + s.discovery.beacon.received, 0);
    const detail = JSON.stringify(statuses.map((s) => s.discovery));
    assert.equal(answers, 0, `mDNS answers crossed a LAN that drops multicast: ${detail}`);
    assert.ok(beacons > 0, `no beacon was received: ${detail}`);
    const status = statuses[0] as Status;

    // A beacon is only a hint: one that names a wrong id (here at p1's real address and port)
    // is dialled, TLS proves p1's own id, and no record of the claimed id appears.
    const forged = randomBytes(32).toString('hex');
    const port = Number(p1.addr.split(':').at(-1));
    const broadcast = lan.hosts[0]?.address.replace(/\.\d+$/, '.255') ?? '';
    sendBeacon(
      lan.hosts[1]?.netns ?? '',
      broadcast,
      JSON.stringify({ app: 'lanspread', v: 1, id: forged, port, sw: '0.0.9' }),
    );
    sendBeacon(lan.hosts[1]?.netns ?? '', broadcast, 'not a beacon at all');
    await new Promise((r) => setTimeout(r, 2_000));
    for (const p of peers)
      assert.ok(!(await peerIds(p)).includes(forged), `${p.name} made a record for the forged id`);
    assert.equal((await peerIds(p0)).length, 2);
    const after = await p0.cmd<Status>('status');
    assert.ok(
      after.discovery.beacon.ignored > status.discovery.beacon.ignored,
      'the malformed beacon was counted',
    );
    // The claimed id stays unreached, shown with the release its beacon claimed.
    assert.deepEqual(
      after.unreachable_peers
        .filter((u) => u.peer_id === forged)
        .map((u) => [u.via, u.software, u.error]),
      [['beacon', '0.0.9', 'another peer answered at this address']],
    );
    return `mDNS answers ${answers}, beacons received ${beacons} (all peers); each saw the other two after ${times.join('/')} ms; a beacon claiming ${forged.slice(0, 12)} (lanspread 0.0.9) at p1's address made no record (TLS proved p1's id), only an unreachable row with that release; a malformed beacon counted as ignored`;
  } finally {
    lan.destroy();
  }
});
