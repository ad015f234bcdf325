/** What swarm scenarios ask of a seeder and claim as a partial peer. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { digestManifest } from '../../../src/catalog/index.js';
import { parseHostPort } from '../../../src/host-port.js';
import type { GameId, GameVersion } from '../../../src/ids.js';
import { loadOrCreateIdentity } from '../../../src/identity/index.js';
import { silentLogger } from '../../../src/logger.js';
import { Transport, type Connection } from '../../../src/net/index.js';
import {
  HaveMap,
  type GetChunk,
  type Manifest,
  type PartialHolding,
} from '../../../src/protocol/index.js';
import { haveMapKeys } from '../../../src/transfer/local-partials.js';
import { Asker } from './asker.js';
import { link } from './assertions.js';
import { startFakePeer, type FakePeer } from './fake-peer.js';
import { bigGame } from './fixtures.js';
import type { Lab } from './lab.js';
import type { PeerProcess } from './peer-process.js';

/** The seeder's manifest of `game`, asked over a transfer connection of `transport`'s own. */
export async function seederManifest(
  transport: Transport,
  seeder: PeerProcess,
  game: GameId,
  version: GameVersion,
  chunkSize: number,
): Promise<Manifest> {
  const to = parseHostPort(seeder.addr);
  const asker = new Asker(await transport.dial(to.host, to.port, { role: 'transfer' }));
  const manifest = await asker.ask({ t: 'get-manifest', game, version, chunk_size: chunkSize });
  asker.close();
  if (manifest.t !== 'manifest') assert.fail(`the seeder answered ${manifest.t}`);
  return manifest;
}

/** A partial peer's advert claiming every chunk of `manifest`. */
export function everyChunkOf(manifest: Manifest): PartialHolding {
  const have = new HaveMap(haveMapKeys(manifest).length);
  for (let i = 0; i < have.chunks; i++) have.set(i);
  return {
    game: manifest.game,
    version: manifest.version,
    manifest_digest: digestManifest(manifest) ?? '',
    chunks: have.chunks,
    have: have.encode(),
  };
}

/** A seeder of `game` (`mib` MiB, one file), a client `c1` linked to it, and a transport of the test's own. */
export async function seederAndClient(
  lab: Lab,
  game: GameId,
  mib: number,
  seederArgs: string[] = [],
): Promise<{ seeder: PeerProcess; client: PeerProcess; transport: Transport }> {
  await lab.games('seeder', [bigGame(game, mib, { files: 1 })]);
  const seeder = await lab.start('seeder', { extraArgs: seederArgs });
  const client = await lab.start('c1');
  await link(client, seeder);
  const identity = await loadOrCreateIdentity(join(lab.root, 'asker-state'), silentLogger);
  return { seeder, client, transport: new Transport({ identity, log: silentLogger }) };
}

/**
 * A fake peer `name` that advertises every chunk of `manifest` as a downloading peer holds them
 * and answers each `get-chunk` with `answer`, connected to `client`; `asked` counts the requests.
 */
export async function startClaimingPeer(
  lab: Lab,
  client: PeerProcess,
  name: string,
  manifest: Manifest,
  answer: (conn: Connection, msg: GetChunk) => void,
): Promise<{ peer: FakePeer; asked: () => number }> {
  let asked = 0;
  const peer = await startFakePeer(
    join(lab.root, `${name}-state`),
    name,
    [],
    (conn, msg) => {
      if (msg.t !== 'get-chunk') return;
      asked++;
      answer(conn, msg);
    },
    [everyChunkOf(manifest)],
  );
  await client.cmd('connect', { addr: peer.addr });
  await client.waitEvent((e) => e.event === 'peer-connected' && e.peer_id === peer.peerId);
  return { peer, asked: () => asked };
}
