/** What swarm scenarios ask of a seeder and claim as a partial peer. */
import assert from 'node:assert/strict';
import { digestManifest } from '../../../src/catalog/index.js';
import { parseHostPort } from '../../../src/host-port.js';
import type { GameId, GameVersion } from '../../../src/ids.js';
import type { Transport } from '../../../src/net/index.js';
import { HaveMap, type Manifest, type PartialHolding } from '../../../src/protocol/index.js';
import { haveMapKeys } from '../../../src/transfer/local-partials.js';
import { Asker } from './asker.js';
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
