/** The contract rows and events of the peer (docs/peer-jsonl.md), in the contract's snake_case spelling. */
import type { DiscoveryStatus } from '../discovery/index.js';
import type { Availability } from '../library/index.js';
import type { DownloadEvent, DownloadFinishedEvent } from '../transfer/index.js';

export interface GameRow {
  id: string;
  name: string;
  eti_game_version: string;
  downloaded: boolean;
  installed: boolean;
  availability: Availability;
  size: number;
}

/** A game of this peer: a row, and whether what Play or Start server launched still runs. */
export interface LocalGameRow extends GameRow {
  /** The game's start script (or its setup, during the first Play) runs. */
  running: boolean;
  /** Its server script runs (the window is open). */
  server_running: boolean;
}

/** A catalog game as `GET /api/catalog` lists it. */
export interface CatalogRow {
  id: string;
  name: string;
  description: string | null;
  size: number | null;
  version: string;
}

export interface RemoteRow {
  id: string;
  name: string;
  eti_game_version: string;
  peer_count: number;
  size: number;
}

export interface PeerRow {
  peer_id: string;
  name: string;
  addr: string;
  games: GameRow[];
  last_seen_ms: number;
}

export interface StatusResult {
  peer_id: string;
  name: string;
  addr: string;
  peers: number;
  active_operations: { game: string; kind: OperationKind }[];
  outbound_transfers: Record<string, number>;
  discovery: DiscoveryStatus;
  /** Connections other peers opened to this one since the start (control and transfer). */
  inbound_peer_connections: number;
}

export type OperationKind =
  'download' | 'install' | 'uninstall' | 'stream-install' | 'update' | 'remove-files';

/** What a launched process is: the one-time setup, the game, or its server. */
export type LaunchKind = 'setup' | 'game' | 'server';

export type LostReason = 'goodbye' | 'timeout' | 'closed' | 'error';

export type PeerEvent =
  | { event: 'local-peer-ready'; peer_id: string; addr: string }
  | { event: 'local-library-changed'; games: LocalGameRow[] }
  | { event: 'peer-connected'; peer_id: string; addr: string }
  | { event: 'peer-lost'; peer_id: string; addr: string; reason: LostReason }
  | { event: 'remote-library-changed'; peer_id: string; games: GameRow[] }
  | { event: 'no-peers-have-game'; game: string }
  | DownloadEvent
  | DownloadFinishedEvent
  | { event: 'download-failed'; game: string; code: string; message: string }
  | { event: 'download-cancelled'; game: string }
  | { event: 'install-begin'; game: string }
  | { event: 'install-finished'; game: string }
  | { event: 'install-failed'; game: string; code: string; message: string }
  | { event: 'uninstall-finished'; game: string }
  | { event: 'update-finished'; game: string; from: string | null; to: string }
  | { event: 'outbound-transfer-finished'; game: string; peer_id: string }
  | { event: 'game-started'; game: string; kind: LaunchKind; pid: number }
  | {
      event: 'game-exited';
      game: string;
      kind: LaunchKind;
      code: number | null;
      signal: string | null;
    };

export type PeerEventListener = (event: PeerEvent) => void;
