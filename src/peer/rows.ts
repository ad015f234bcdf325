/** Maps domain records to the contract rows of docs/peer-jsonl.md: the one place for that spelling. */
import type { Catalog, CatalogGame } from '../catalog/index.js';
import { deriveAvailability, type Availability, type LocalGame } from '../library/index.js';
import type { PeerRecord, RemoteGame } from '../peers/index.js';
import type { WireGame } from '../protocol/index.js';
import type { CatalogRow, GameRow, LocalGameRow, PeerRow, RemoteRow } from './contract.js';

export function localGameRow(
  game: LocalGame,
  entry: CatalogGame,
  activeOperation: 'download' | 'install' | null,
  launched: { running: boolean; serverRunning: boolean },
): LocalGameRow {
  return {
    id: game.id,
    name: entry.name,
    eti_game_version: game.version ?? entry.version,
    downloaded: game.downloaded,
    installed: game.installed,
    availability: deriveAvailability(game, entry.version, activeOperation),
    size: game.size,
    running: launched.running,
    server_running: launched.serverRunning,
  };
}

/** What a remote peer's game looks like from here: Ready only at our catalog version. */
export function remoteGameRow(wire: WireGame, entry: CatalogGame): GameRow {
  let availability: Availability = 'NotAvailable';
  if (wire.servable && wire.version === entry.version) availability = 'Ready';
  else if (wire.installed && !wire.downloaded) availability = 'LocalOnly';
  return {
    id: wire.id,
    name: entry.name,
    eti_game_version: wire.version ?? entry.version,
    downloaded: wire.downloaded,
    installed: wire.installed,
    availability,
    size: wire.size,
  };
}

/** A remote peer's games, limited to our catalog: ids we do not know are not games here (S35). */
export function remoteGameRows(record: PeerRecord, catalog: Catalog): GameRow[] {
  const rows: GameRow[] = [];
  for (const wire of record.library.values()) {
    const entry = catalog.get(wire.id);
    if (entry !== undefined) rows.push(remoteGameRow(wire, entry));
  }
  return rows.sort((a, b) => a.id.localeCompare(b.id));
}

export function peerRow(record: PeerRecord, catalog: Catalog): PeerRow {
  return {
    peer_id: record.peerId,
    name: record.name,
    addr: record.addr,
    games: remoteGameRows(record, catalog),
    last_seen_ms: record.lastSeenMs,
  };
}

export function remoteRow(remote: RemoteGame): RemoteRow {
  return {
    id: remote.game.id,
    name: remote.game.name,
    eti_game_version: remote.game.version,
    peer_count: remote.sources.length,
    size: remote.size,
  };
}

export function catalogRow(entry: CatalogGame): CatalogRow {
  return {
    id: entry.id,
    name: entry.name,
    description: entry.description,
    size: entry.size,
    version: entry.version,
  };
}
