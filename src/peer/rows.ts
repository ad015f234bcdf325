/** Maps domain records to the contract rows of docs/peer-jsonl.md: the one place for that spelling. */
import type { Catalog, CatalogGame } from '../catalog/index.js';
import {
  deriveAvailability,
  type Availability,
  type BusyAvailability,
  type LocalGame,
} from '../library/index.js';
import type { MeshEvent, PeerRecord, RemoteGame, UnreachedPeer } from '../mesh/index.js';
import type { PeerTraffic } from '../transfer/index.js';
import type { WireGame } from '../protocol/index.js';
import type {
  CatalogRow,
  GameRow,
  LocalGameRow,
  OperationKind,
  PeerEvent,
  PeerRow,
  RemoteRow,
  UnreachablePeerRow,
} from './contract.js';

/** What a game's row says while an operation runs on it: the operation itself. */
const BUSY_AVAILABILITY: Record<OperationKind, BusyAvailability> = {
  download: 'Downloading',
  install: 'Installing',
  // Fetched and unpacked at once; the game ends up installed, with no servable root.
  'stream-install': 'Installing',
  update: 'Updating',
  uninstall: 'Uninstalling',
  'remove-files': 'Removing',
};

export function busyAvailability(kind: OperationKind | null): BusyAvailability | null {
  return kind === null ? null : BUSY_AVAILABILITY[kind];
}

export function localGameRow(
  game: LocalGame,
  entry: CatalogGame,
  busy: BusyAvailability | null,
  launched: { running: boolean; serverRunning: boolean },
): LocalGameRow {
  return {
    id: game.id,
    name: entry.name,
    eti_game_version: game.version ?? entry.version,
    downloaded: game.downloaded,
    installed: game.installed,
    availability: deriveAvailability(game, entry.version, busy),
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

export function peerRow(record: PeerRecord, catalog: Catalog, traffic: PeerTraffic): PeerRow {
  return {
    peer_id: record.peerId,
    name: record.name,
    software: record.software,
    addr: record.addr,
    games: remoteGameRows(record, catalog),
    last_seen_ms: record.lastSeenMs,
    fetching: [...record.partials]
      .map(([game, partial]) => ({
        game,
        version: partial.version,
        have_chunks: partial.have.count,
        total_chunks: partial.have.chunks,
        in_flight_chunks: partial.fetching.count + partial.relaying.count,
      }))
      .sort((a, b) => a.game.localeCompare(b.game)),
    sent_bytes: traffic.sentBytes,
    received_bytes: traffic.receivedBytes,
  };
}

export function unreachablePeerRow(peer: UnreachedPeer): UnreachablePeerRow {
  return {
    peer_id: peer.peerId,
    addr: peer.addr,
    via: peer.via,
    software: peer.software,
    error: peer.error,
    failures: peer.failures,
    last_failed_ms: peer.lastFailedMs,
  };
}

export function remoteRow(remote: RemoteGame): RemoteRow {
  return {
    id: remote.game.id,
    name: remote.game.name,
    eti_game_version: remote.game.version,
    peer_count: remote.sources.length,
    partial_peer_count: remote.partialPeers,
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
    manifest_digest: entry.manifestDigest,
    genre: entry.genre,
    max_players: entry.maxPlayers,
    release_year: entry.releaseYear,
    has_cover: entry.cover !== null,
  };
}

/** The mesh speaks of peers; the contract's events carry their rows (none for a peer gone since). */
export function meshEventRow(
  event: MeshEvent,
  record: PeerRecord | undefined,
  catalog: Catalog,
): PeerEvent | null {
  switch (event.kind) {
    case 'peer-connected':
      return { event: 'peer-connected', peer_id: event.peerId, addr: event.addr };
    case 'peer-lost':
      return { event: 'peer-lost', peer_id: event.peerId, addr: event.addr, reason: event.reason };
    case 'remote-library-changed':
      if (record === undefined) return null;
      return {
        event: 'remote-library-changed',
        peer_id: event.peerId,
        games: remoteGameRows(record, catalog),
      };
    case 'remote-partials-changed':
      return null;
  }
}
