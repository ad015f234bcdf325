/** The merged remote library, judged by the receiver's catalog (S3, S15, S30, S35, S36). */
import type { Catalog, CatalogGame } from '../catalog/index.js';
import type { GameId, PeerId } from '../ids.js';
import type { PeerRecord } from './peer-table.js';

export interface RemoteGame {
  readonly game: CatalogGame;
  /** Peers that would serve this game at the catalog version, sorted by address. */
  readonly sources: readonly { peerId: PeerId; addr: string }[];
  /** Peers downloading it at our catalog version (partial holdings): never sources by themselves. */
  readonly partialPeers: number;
  /** Largest size any source advertised (they agree when they are honest). */
  readonly size: number;
}

/** A peer counts as a source only when its root is servable at *our* catalog version. */
export function isSourceFor(record: PeerRecord, game: CatalogGame): boolean {
  const wire = record.library.get(game.id);
  return wire !== undefined && wire.servable && wire.version === game.version;
}

/**
 * A peer's partial holding counts for a game when it is at our catalog version and, when our
 * catalog has the game's digest, of that manifest.
 */
export function isPartialFor(record: PeerRecord, game: CatalogGame): boolean {
  const partial = record.partials.get(game.id);
  return (
    partial !== undefined &&
    partial.version === game.version &&
    (game.manifestDigest === null || partial.digest === game.manifestDigest)
  );
}

/** Games with at least one source; partial peers are counted beside them, never as sources. */
export function aggregateRemote(peers: Iterable<PeerRecord>, catalog: Catalog): RemoteGame[] {
  const byId = new Map<
    GameId,
    {
      game: CatalogGame;
      sources: { peerId: PeerId; addr: string }[];
      partialPeers: number;
      size: number;
    }
  >();
  const records = [...peers];
  for (const record of records) {
    for (const wire of record.library.values()) {
      const game = catalog.get(wire.id);
      if (game === undefined || !isSourceFor(record, game)) continue;
      let row = byId.get(game.id);
      if (row === undefined) {
        row = { game, sources: [], partialPeers: 0, size: 0 };
        byId.set(game.id, row);
      }
      row.sources.push({ peerId: record.peerId, addr: record.addr });
      row.size = Math.max(row.size, wire.size);
    }
  }
  for (const record of records) {
    for (const id of record.partials.keys()) {
      const row = byId.get(id);
      if (row !== undefined && isPartialFor(record, row.game)) row.partialPeers++;
    }
  }
  for (const row of byId.values()) row.sources.sort((a, b) => a.addr.localeCompare(b.addr));
  return [...byId.values()].sort((a, b) => a.game.id.localeCompare(b.game.id));
}
