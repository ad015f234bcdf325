/** The merged remote library, judged by the receiver's catalog (S3, S15, S30, S35, S36). */
import type { Catalog, CatalogGame } from '../catalog/index.js';
import type { GameId, PeerId } from '../ids.js';
import type { PeerRecord } from './peer-table.js';

export interface RemoteGame {
  readonly game: CatalogGame;
  /** Peers that would serve this game at the catalog version, sorted by address. */
  readonly sources: readonly { peerId: PeerId; addr: string }[];
  /** Largest size any source advertised (they agree when they are honest). */
  readonly size: number;
}

/** A peer counts as a source only when its root is servable at *our* catalog version. */
export function isSourceFor(record: PeerRecord, game: CatalogGame): boolean {
  const wire = record.library.get(game.id);
  return wire !== undefined && wire.servable && wire.version === game.version;
}

export function aggregateRemote(peers: Iterable<PeerRecord>, catalog: Catalog): RemoteGame[] {
  const byId = new Map<
    GameId,
    { game: CatalogGame; sources: { peerId: PeerId; addr: string }[]; size: number }
  >();
  for (const record of peers) {
    for (const wire of record.library.values()) {
      const game = catalog.get(wire.id);
      if (game === undefined || !isSourceFor(record, game)) continue;
      let row = byId.get(game.id);
      if (row === undefined) {
        row = { game, sources: [], size: 0 };
        byId.set(game.id, row);
      }
      row.sources.push({ peerId: record.peerId, addr: record.addr });
      row.size = Math.max(row.size, wire.size);
    }
  }
  for (const row of byId.values()) row.sources.sort((a, b) => a.addr.localeCompare(b.addr));
  return [...byId.values()].sort((a, b) => a.game.id.localeCompare(b.game.id));
}
