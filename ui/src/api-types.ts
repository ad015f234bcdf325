/** The rows and events of docs/api.md as the browser sees them (a client's copy of src/peer/contract.ts). */

import type { ErrorDetails } from '../../src/errors.js';

export type Availability = 'Ready' | 'LocalOnly' | 'Downloading' | 'Installing' | 'NotAvailable';

export interface GameRow {
  id: string;
  name: string;
  eti_game_version: string;
  downloaded: boolean;
  installed: boolean;
  availability: Availability;
  size: number;
}

/** A game of this peer: whether what Play or Start server launched still runs. */
export interface LocalGameRow extends GameRow {
  running: boolean;
  server_running: boolean;
}

export interface RemoteRow {
  id: string;
  name: string;
  eti_game_version: string;
  peer_count: number;
  size: number;
}

export interface GamesResult {
  local: LocalGameRow[];
  remote: RemoteRow[];
}

export interface CatalogGame {
  id: string;
  name: string;
  description: string | null;
  size: number | null;
  version: string;
}

export interface CatalogResult {
  source: string;
  games: CatalogGame[];
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
  active_operations: { game: string; kind: string }[];
  discovery: { mdns: { enabled: boolean }; beacon: { enabled: boolean; port: number } };
  inbound_peer_connections: number;
}

/** `GET /api/share`: the "Get lanspread" page this peer serves to guests. */
export interface ShareInfo {
  enabled: boolean;
  port: number | null;
  urls: string[];
  files: { name: string; size: number; sha256: string }[];
  remote_requests: number;
  error?: string;
}

export interface Settings {
  username: string;
  language: string;
  games_dir: string;
  free_bytes: number;
}

export interface FileRow {
  path: string;
  size: number;
}

export interface ApiError {
  code: string;
  message: string;
  details?: ErrorDetails;
}

/** The events the UI follows; every other event is ignored but still triggers nothing harmful. */
export type PeerEvent =
  | { event: 'local-library-changed'; games: LocalGameRow[] }
  | { event: 'peer-connected' | 'peer-lost'; peer_id: string; addr: string }
  | { event: 'remote-library-changed'; peer_id: string; games: GameRow[] }
  | { event: 'download-begin'; game: string; bytes: number }
  | { event: 'download-chunk-finished'; game: string; length: number }
  | {
      event: 'download-progress';
      game: string;
      bytes_done: number;
      bytes_total: number;
      mib_per_s: number;
      active_peers: number;
    }
  | { event: 'download-finished'; game: string; bytes: number }
  | { event: 'download-failed' | 'install-failed'; game: string; code: string; message: string }
  | { event: 'download-cancelled' | 'install-begin' | 'install-finished'; game: string }
  | { event: 'uninstall-finished'; game: string }
  | { event: 'download-peer-dropped'; game: string; peer_addr: string; reason: string }
  | { event: 'game-started'; game: string; kind: 'setup' | 'game' | 'server'; pid: number }
  | {
      event: 'game-exited';
      game: string;
      kind: 'setup' | 'game' | 'server';
      code: number | null;
      signal: string | null;
    };

/** The answer of `play`: the first-play stamping, and what was started. */
export interface PlayResult {
  already_applied: boolean;
  launched: boolean;
  launcher: string | null;
  launch_error: ApiError | null;
}
