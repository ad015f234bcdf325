import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GameId, GameVersion } from '../../src/ids.js';
import { loadOrCreateIdentity } from '../../src/identity/index.js';
import { parseHostPort } from '../../src/host-port.js';
import { silentLogger } from '../../src/logger.js';
import { Transport } from '../../src/net/index.js';
import type { WireMessage } from '../../src/protocol/index.js';
import { Asker, refusal } from './harness/asker.js';
import { download, link, listGames, type RemoteRow } from './harness/assertions.js';
import { bigGame, CATALOG_VERSION } from './harness/fixtures.js';
import { answerWithJunk, startFakePeer, type FakePeer } from './harness/fake-peer.js';
import { scenario, type Lab } from './harness/lab.js';
import { assertSameRoot } from './harness/manifests.js';
import { seederAndClient, seederManifest, startClaimingPeer } from './harness/swarm.js';
import type { Json, PeerProcess } from './harness/peer-process.js';

const MIB = 1024 * 1024;
const CHUNK = 32 * MIB;
const GAME = 'alienswarm' as GameId;
const VERSION = CATALOG_VERSION as GameVersion;

/**
 * Runs `peer` 10 ms in every 260 (SIGSTOP/SIGCONT) until the returned stop is called: on
 * loopback every link is faster than any disk, so the seeder's uplink is made the scarce one,
 * as it is at a party where one seeder's port is shared by every guest.
 */
function throttle(peer: PeerProcess): () => Promise<void> {
  let on = true;
  const loop = (async () => {
    while (on) {
      peer.kill('SIGSTOP');
      await sleep(250);
      peer.kill('SIGCONT');
      await sleep(10);
    }
  })();
  return async () => {
    on = false;
    await loop;
    peer.kill('SIGCONT');
  };
}

/** Bytes of `events` (one game's) by source kind, from its `download-finished`. */
function fromKinds(events: readonly Json[]): { complete: number; partial: number } {
  const done = events.find((e) => e.event === 'download-finished');
  return {
    complete: Number(done?.bytes_from_complete),
    partial: Number(done?.bytes_from_partial),
  };
}

/** A seeder of a 128 MiB game and three meshed empty clients; the seeder has hashed its root. */
async function party(lab: Lab): Promise<{
  seeder: PeerProcess;
  clients: PeerProcess[];
  size: number;
  transport: Transport;
}> {
  await lab.games('seeder', [bigGame(GAME, 128, { files: 1 })]);
  const seeder = await lab.start('seeder');
  const clients = [await lab.start('c1'), await lab.start('c2'), await lab.start('c3')];
  for (const [i, client] of clients.entries()) {
    await link(client, seeder);
    for (const other of clients.slice(0, i)) await link(client, other);
  }
  const identity = await loadOrCreateIdentity(join(lab.root, 'asker-state'), silentLogger);
  const transport = new Transport({ identity, log: silentLogger });
  // The seeder hashes its root now, before it is slowed: the manifest costs it nothing later.
  const manifest = await seederManifest(transport, seeder, GAME, VERSION, CHUNK);
  const size = manifest.files.reduce((sum, f) => sum + f.size, 0);
  return { seeder, clients, size, transport };
}

/** `peer`'s row of the game once it counts a partial peer (or after 10 s, as it is then). */
async function rowOnceDownloading(peer: PeerProcess): Promise<RemoteRow | undefined> {
  const until = Date.now() + 10_000;
  for (;;) {
    const row = (await listGames(peer)).remote.find((r) => r.id === GAME);
    if ((row?.partial_peer_count ?? 0) > 0 || Date.now() > until) return row;
    await sleep(100);
  }
}

async function sentBytes(peer: PeerProcess): Promise<number> {
  return (await peer.cmd<{ traffic: { sent_bytes: number } }>('status')).traffic.sent_bytes;
}

scenario('S52', 'swarm: downloaders serve each other what they verified', async (lab) => {
  // A 128 MiB archive: four 32 MiB chunks, plus notes.txt and version.ini.
  const { seeder, clients, size, transport } = await party(lab);
  try {
    const stopThrottle = throttle(seeder);
    const starts = clients.map((c) => c.events.length);
    // Staggered: each client starts once the one before has verified a chunk of the archive, so
    // each later one finds partial peers with chunks to trade (a simultaneous start: below).
    const firstChunk = (i: number): Promise<Json> =>
      clients[i]!.waitEvent(
        (e) => e.event === 'download-chunk-finished' && e.path === `${GAME}.eti`,
        60_000,
        starts[i],
      );
    const pending = [download(clients[0]!, GAME, { timeoutMs: 150_000 })];
    // While c1 downloads, it serves its manifest and refuses a chunk it has not verified.
    const c1 = clients[0]!;
    await c1.waitEvent((e) => e.event === 'download-begin', 30_000, starts[0]);
    // While it downloads (far from done through a seeder this slow), the others count it apart,
    // never as a source; its holding is sent as the download begins.
    const row = await rowOnceDownloading(clients[1]!);
    const toC1 = parseHostPort(c1.addr);
    const asker = new Asker(await transport.dial(toC1.host, toC1.port, { role: 'transfer' }));
    const partialManifest = await asker.ask({
      t: 'get-manifest',
      game: GAME,
      version: VERSION,
      chunk_size: CHUNK,
    });
    assert.equal(partialManifest.t, 'manifest', 'a downloading peer serves its manifest');
    asker.close();
    // Each chunk of the archive on a connection of its own (a relay's answer goes on flowing):
    // one c1 fetches from the seeder is relayed (`chunk`), one neither verified nor in flight
    // there is refused. Through a seeder this slow, two are in flight and few verified yet.
    const probes: string[] = [];
    for (let offset = 0; offset < 4 * CHUNK; offset += CHUNK) {
      const probe: WireMessage = {
        t: 'get-chunk',
        game: GAME,
        version: VERSION,
        path: `${GAME}.eti`,
        offset,
        length: 1024,
      };
      // A stranger has one request at a time: the last probe's relay may still be winding up
      // on c1 (its file closing), which answers serve-over-budget; ask again shortly.
      let answer = 'serve-over-budget';
      for (let tries = 0; answer === 'serve-over-budget' && tries < 20; tries++) {
        if (tries > 0) await sleep(100);
        const prober = new Asker(await transport.dial(toC1.host, toC1.port, { role: 'transfer' }));
        answer = refusal(await prober.ask(probe));
        prober.close();
      }
      probes.push(answer);
    }

    await firstChunk(0);
    pending.push(download(clients[1]!, GAME, { timeoutMs: 150_000 }));
    await firstChunk(1);
    pending.push(download(clients[2]!, GAME, { timeoutMs: 150_000 }));
    await firstChunk(2);

    const results = await Promise.all(pending);
    await stopThrottle();
    assert.ok(
      probes.every((p) => p === 'chunk-not-here' || p === 'answered chunk') &&
        probes.includes('chunk-not-here'),
      `a chunk neither verified nor in flight is refused, the others served: ${probes.join(', ')}`,
    );
    assert.equal(row?.peer_count, 1, 'only the seeder is a source in peer_count');
    assert.ok(
      (row?.partial_peer_count ?? 0) >= 1,
      `partial peers counted apart: ${JSON.stringify(row)}`,
    );
    for (const [i, { answer }] of results.entries()) {
      assert.equal(answer.ok, true, `c${i + 1}: ${JSON.stringify(answer.error)}`);
      await assertSameRoot(lab, 'seeder', `c${i + 1}`, GAME);
    }
    const kinds = results.map(({ events }) => fromKinds(events));
    for (const k of kinds) assert.equal(k.complete + k.partial, size, 'every byte counted once');
    const sent = await sentBytes(seeder);
    const clientSent = await Promise.all(clients.map(sentBytes));
    assert.ok(
      sent <= 2 * size,
      `the seeder sent ${(sent / MIB).toFixed(1)} MiB, over 2x the ${(size / MIB).toFixed(1)} MiB game`,
    );
    assert.ok(
      kinds.reduce((sum, k) => sum + k.partial, 0) > 0,
      'some bytes came from partial peers',
    );
    return `seeder sent ${(sent / MIB).toFixed(1)} MiB for 3 x ${(size / MIB).toFixed(1)} MiB (${(sent / size).toFixed(2)}x); clients sent ${clientSent.map((b) => (b / MIB).toFixed(0)).join('/')} MiB; from complete/partial per client ${kinds.map((k) => `${(k.complete / MIB).toFixed(0)}/${(k.partial / MIB).toFixed(0)}`).join(' ')} MiB; c2 row peer_count=${row?.peer_count} partial_peer_count=${row?.partial_peer_count}; archive chunks probed at c1 -> ${probes.join(', ')}; all roots match the seeder's`;
  } finally {
    await transport.close();
  }
});

scenario('S52', 'swarm: clients that start at the same moment share the seeder', async (lab) => {
  const { seeder, clients, size, transport } = await party(lab);
  try {
    const stopThrottle = throttle(seeder);
    // All at once: equal clients must pick apart what they ask of the seeder and trade the rest.
    const results = await Promise.all(
      clients.map((c) => download(c, GAME, { timeoutMs: 150_000 })),
    );
    await stopThrottle();
    for (const [i, { answer }] of results.entries()) {
      assert.equal(answer.ok, true, `c${i + 1}: ${JSON.stringify(answer.error)}`);
      await assertSameRoot(lab, 'seeder', `c${i + 1}`, GAME);
    }
    const kinds = results.map(({ events }) => fromKinds(events));
    for (const k of kinds) assert.equal(k.complete + k.partial, size, 'every byte counted once');
    const sent = await sentBytes(seeder);
    assert.ok(
      sent <= 2 * size,
      `the seeder sent ${(sent / MIB).toFixed(1)} MiB, over 2x the ${(size / MIB).toFixed(1)} MiB game`,
    );
    return `seeder sent ${(sent / MIB).toFixed(1)} MiB for 3 x ${(size / MIB).toFixed(1)} MiB (${(sent / size).toFixed(2)}x); from complete/partial per client ${kinds.map((k) => `${(k.complete / MIB).toFixed(0)}/${(k.partial / MIB).toFixed(0)}`).join(' ')} MiB; all roots match the seeder's`;
  } finally {
    await transport.close();
  }
});

scenario('S52', 'swarm: a client killed mid-swarm, the others complete', async (lab) => {
  const { seeder, clients, transport } = await party(lab);
  try {
    const stopThrottle = throttle(seeder);
    const [c1, c2, c3] = clients as [PeerProcess, PeerProcess, PeerProcess];
    const from = c3.events.length;
    const pending = [c1, c2].map((c) => download(c, GAME, { timeoutMs: 150_000 }));
    const doomed = download(c3, GAME, { timeoutMs: 150_000 }).catch((err: unknown) => err);
    // Killed once it holds a chunk of the archive: the others may be fetching it from c3 then.
    await c3.waitEvent(
      (e) => e.event === 'download-chunk-finished' && e.path === `${GAME}.eti`,
      60_000,
      from,
    );
    c3.kill('SIGKILL');
    await c3.exited;
    await doomed;
    const results = await Promise.all(pending);
    await stopThrottle();
    for (const [i, { answer }] of results.entries()) {
      assert.equal(answer.ok, true, `c${i + 1}: ${JSON.stringify(answer.error)}`);
      await assertSameRoot(lab, 'seeder', `c${i + 1}`, GAME);
    }
    const partial = results.map(({ events }) => fromKinds(events).partial);
    return `c3 killed after its first chunk; c1 and c2 completed with the seeder's bytes (from partial peers ${partial.map((b) => (b / MIB).toFixed(0)).join('/')} MiB)`;
  } finally {
    await transport.close();
  }
});

scenario('S52', 'swarm: a partial peer that serves bad chunks is dropped by name', async (lab) => {
  // 64 MiB: two 32 MiB chunks of the archive, plus notes.txt and version.ini.
  const { seeder, client, transport } = await seederAndClient(lab, GAME, 64);
  let liar: FakePeer | undefined;
  try {
    const manifest = await seederManifest(transport, seeder, GAME, VERSION, CHUNK);
    // It claims every chunk of the very manifest the seeder serves, and sends other bytes.
    const claiming = await startClaimingPeer(lab, client, 'liar', manifest, (conn, msg) => {
      answerWithJunk(conn, GAME, msg);
    });
    liar = claiming.peer;
    // Slowed, the seeder leaves the liar time to be asked for every chunk it claims: each bad one
    // (or failed transfer) counts against it until it is dropped.
    const stopThrottle = throttle(seeder);
    const { answer, events } = await download(client, GAME, { timeoutMs: 120_000 });
    await stopThrottle();
    assert.equal(answer.ok, true, JSON.stringify(answer.error));
    await assertSameRoot(lab, 'seeder', 'c1', GAME);
    const dropped = events.find(
      (e) => e.event === 'download-peer-dropped' && e.peer_id === liar?.peerId,
    );
    assert.ok(
      dropped,
      `the liar is dropped by name: ${JSON.stringify(events.map((e) => e.event))}`,
    );
    const served = claiming.asked();
    assert.ok(served > 0, 'the liar was asked for chunks');
    return `the liar served ${served} bad chunk(s) and was dropped (${String(dropped.reason)}); the root is the seeder's`;
  } finally {
    await liar?.close();
    await transport.close();
  }
});

/** Log lines of `peer` whose message starts with `msg`. */
async function logged(lab: Lab, peer: string, msg: string): Promise<number> {
  const text = await readFile(join(lab.root, `${peer}.stderr.log`), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .filter((line) => String((JSON.parse(line) as { msg?: unknown }).msg).startsWith(msg)).length;
}

scenario(
  'S52',
  'swarm: a relay whose own chunk fails ends its relays; the relayed-to peer does not blame it',
  async (lab) => {
    // 64 MiB: two 32 MiB chunks of the archive, its short tail, notes.txt and version.ini.
    await lab.games('seeder', [bigGame(GAME, 64, { files: 1 })]);
    const seeder = await lab.start('seeder');
    const relay = await lab.start('relay');
    const client = await lab.start('client');
    await link(client, seeder);
    await link(client, relay);
    const identity = await loadOrCreateIdentity(join(lab.root, 'asker-state'), silentLogger);
    const transport = new Transport({ identity, log: silentLogger });
    let liar: FakePeer | undefined;
    try {
      const manifest = await seederManifest(transport, seeder, GAME, VERSION, CHUNK);
      const size = manifest.files.reduce((sum, f) => sum + f.size, 0);
      // The relay's only source: Ready with the seeder's very manifest, it sends the small
      // chunks right (version.ini, the archive's short tail) and every 32 MiB chunk wrong, all
      // but its last MiB at once and the rest when the test says so.
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      let archiveAsked = 0;
      const root = join(lab.gamesDir('seeder'), GAME);
      liar = await startFakePeer(
        join(lab.root, 'liar-state'),
        'liar',
        [{ id: GAME, version: VERSION, downloaded: true, installed: false, servable: true, size }],
        (conn, msg) => {
          if (msg.t === 'get-manifest') conn.send(manifest);
          if (msg.t !== 'get-chunk') return;
          conn.send({
            t: 'chunk',
            game: GAME,
            path: msg.path,
            offset: msg.offset,
            length: msg.length,
          });
          if (msg.length < MIB) {
            void readFile(join(root, msg.path)).then((bytes) =>
              conn.sendData(bytes.subarray(msg.offset, msg.offset + msg.length)),
            );
            return;
          }
          archiveAsked++;
          const held = MIB;
          for (let at = 0; at < msg.length - held; at += MIB)
            conn.sendData(Buffer.alloc(Math.min(MIB, msg.length - held - at), 0x41));
          void released.then(() => conn.sendData(Buffer.alloc(held, 0x41)));
        },
      );
      await relay.cmd('connect', { addr: liar.addr });
      await relay.waitEvent((e) => e.event === 'peer-connected' && e.peer_id === liar?.peerId);
      const stopThrottle = throttle(seeder);
      const relayFrom = relay.events.length;
      const relayDone = download(relay, GAME, { timeoutMs: 60_000 });
      await relay.waitEvent((e) => e.event === 'download-begin', 30_000, relayFrom);
      // Its holding advertises the liar's chunks as fetching: the client relays them from it.
      const pending = download(client, GAME, { timeoutMs: 150_000 });
      // More than the small chunks: a relay of a 32 MiB chunk still in flight there is under way.
      const until = Date.now() + 30_000;
      while ((await sentBytes(relay)) <= MIB && Date.now() < until) await sleep(50);
      const relayedBefore = await sentBytes(relay);
      release();
      const [relayResult, { answer, events }] = await Promise.all([relayDone, pending]);
      await stopThrottle();
      assert.ok(archiveAsked > 0, 'the liar was asked for a 32 MiB chunk');
      assert.ok(relayedBefore > MIB, 'the relay sent bytes of a chunk still in flight there');
      assert.equal(relayResult.answer.ok, false, 'the relay had no honest source');
      assert.equal(answer.ok, true, JSON.stringify(answer.error));
      await assertSameRoot(lab, 'seeder', 'client', GAME);
      const blamed = events.filter(
        (e) => e.event === 'download-peer-dropped' && e.peer_id === relay.peerId,
      );
      assert.deepEqual(blamed, [], 'the relay is not dropped for its upstream lie');
      const stopped = await logged(lab, 'relay', 'a chunk in flight here failed; its relays');
      const ended = await logged(lab, 'client', 'a relay of a chunk ended before its source');
      assert.ok(stopped > 0, 'the relay stopped the relays of its failed chunk');
      assert.ok(ended > 0, 'the client saw a relay end and put the chunk back in its queue');
      return `the relay sent ${(relayedBefore / MIB).toFixed(1)} MiB of a chunk in flight before the liar's last bytes; the liar was asked for ${archiveAsked} 32 MiB chunk(s); ${stopped} failed chunk(s) ended its relays, the client saw ${ended} relay(s) end without blame and completed with the seeder's bytes`;
    } finally {
      await liar?.close();
      await transport.close();
    }
  },
);
