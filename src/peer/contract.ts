/**
 * The peer's contract (docs/peer-jsonl.md, docs/api.md): every command, result, row and event in
 * the wire's snake_case spelling. Its only import is the error types of the leaf `errors.ts`
 * (the registry defines the codes once), so the browser UI can `import type` it.
 */
import type { WireError } from '../errors.js';

export type { ErrorCode, ErrorDetails, WireError } from '../errors.js';

// ---------------------------------------------------------------------------------------- rows

/** A game's state here; while an operation runs on a game of this peer, that operation (Updating…). */
export type Availability =
  | 'Ready'
  | 'LocalOnly'
  | 'NotAvailable'
  | 'Downloading'
  | 'Installing'
  | 'Updating'
  | 'Uninstalling'
  | 'Removing';

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

/** A catalog game as the `catalog` command lists it. */
export interface CatalogRow {
  id: string;
  name: string;
  description: string | null;
  size: number | null;
  version: string;
  /** The catalog's digest of the game's files (docs/protocol.md): downloads use matching sources only. */
  manifest_digest: string | null;
  /** The catalog's metadata about the game, null when it has none. */
  genre: string | null;
  max_players: number | null;
  release_year: number | null;
  /** The catalog carries cover art (web API: `GET /api/games/:id/cover`). */
  has_cover: boolean;
}

export interface RemoteRow {
  id: string;
  name: string;
  eti_game_version: string;
  peer_count: number;
  /** Peers downloading it at our catalog version and serving what they have: never in peer_count. */
  partial_peer_count: number;
  size: number;
}

/** A game a peer is downloading, from its partial holdings (docs/protocol.md). */
export interface PeerFetchingRow {
  game: string;
  /** The catalog version it downloads; ours or not. */
  version: string;
  /** Chunks it has verified, of `total_chunks` (32 MiB chunks). */
  have_chunks: number;
  total_chunks: number;
  /** Chunks it is fetching from complete peers now. */
  in_flight_chunks: number;
}

export interface PeerRow {
  peer_id: string;
  name: string;
  /** The lanspread release its hello named, e.g. `0.1.0`; null when unknown. */
  software: string | null;
  addr: string;
  games: GameRow[];
  last_seen_ms: number;
  /** Games of our catalog it is downloading and announced (only downloads at 32 MiB chunks are). */
  fetching: PeerFetchingRow[];
  /** File payload bytes we served it and it served us since this peer started. */
  sent_bytes: number;
  received_bytes: number;
}

/** A peer discovery announced that no dial reached (`status.unreachable_peers`). */
export interface UnreachablePeerRow {
  peer_id: string;
  /** Where it said it listens. */
  addr: string;
  via: string;
  /** The lanspread release its announcement named (beacon `sw`, mDNS TXT `sw`); null when unknown. */
  software: string | null;
  /** The last dial's error. */
  error: string;
  failures: number;
  last_failed_ms: number;
}

/** A transferred file of a game root here. */
export interface FileRow {
  path: string;
  size: number;
}

export type OperationKind =
  'download' | 'install' | 'uninstall' | 'stream-install' | 'update' | 'remove-files';

/** An operation running on a game (`status.active_operations`). */
export interface ActiveOperation {
  game: string;
  kind: OperationKind;
}

export interface DiscoveryStatus {
  mdns: {
    enabled: boolean;
    running: boolean;
    announcements_sent: number;
    answers_received: number;
    services_held: number;
  };
  beacon: {
    enabled: boolean;
    running: boolean;
    port: number;
    sent: number;
    received: number;
    ignored: number;
  };
  /** The IPv4 addresses of the interfaces that are up, loopback left out. */
  interfaces: { name: string; address: string }[];
  last_error: string | null;
}

/** What a queued download fetches: a download (installed after when `install`) or an update. */
export type QueueKind = 'download' | 'update';

/** A download in the queue (`status.queue`): `running` holds a slot, `queued` waits for one. */
export interface QueueRow {
  game: string;
  kind: QueueKind;
  /** 1-based, in the order slots are given. */
  position: number;
  state: 'running' | 'queued' | 'paused';
  install: boolean;
}

/** The player settings and the games folder in use, with its free space (null: unknown). */
export interface SettingsView {
  username: string;
  language: string;
  games_dir: string;
  free_bytes: number | null;
  /** Downloads that start from now on fetch chunk bytes over TLS, not plaintext data connections. */
  encrypt_transfers: boolean;
  /** Downloads and updates that fetch at once; the rest wait in the queue. */
  max_active_downloads: number;
}

/** The bandwidth caps: `status.limits` and the answer of `set-limits`. */
export interface LimitsView {
  /** The upload cap set, in MiB/s (all chunk and streamed bytes served); null: off. */
  upload_mib_s: number | null;
  /** The download cap set, in MiB/s (all chunk and streamed bytes received); null: off. */
  download_mib_s: number | null;
  /** Playing mode is on: a game started here runs, or it was turned on by hand. */
  playing: boolean;
  /** Turned on by `set-limits` with `playing: true`; not saved (off at the next start). */
  playing_by_hand: boolean;
  /** The games started here (Play) that run now. */
  playing_games: string[];
  /** The upload cap of playing mode, in MiB/s. */
  playing_upload_mib_s: number;
  /** The upload cap in force now: while playing, the lower of the two. */
  effective_upload_mib_s: number | null;
}

/** `GET /api/share` (web API only): the "Get lanspread" page this peer serves to guests. */
export interface ShareInfo {
  enabled: boolean;
  port: number | null;
  /** `http://ADDRESS:PORT/` for every LAN address the page is reachable on. */
  urls: string[];
  files: { name: string; size: number; sha256: string }[];
  /** Requests answered to other machines since the start: proof that the LAN reaches us. */
  remote_requests: number;
  /** Why the share port is not listening. */
  error?: string;
}

// ------------------------------------------------------------------------------------ commands

/** Every command as it arrives (JSONL line or HTTP body with `cmd` from the path), defaults filled in. */
export type PeerCommand =
  | { cmd: 'status' }
  | { cmd: 'list-peers' }
  | { cmd: 'list-games' }
  | { cmd: 'catalog' }
  | { cmd: 'game-files'; game: string }
  | { cmd: 'get-settings' }
  | {
      cmd: 'set-settings';
      username?: string;
      language?: string;
      games_dir?: string;
      encrypt_transfers?: boolean;
      max_active_downloads?: number;
    }
  | {
      cmd: 'set-limits';
      upload_mib_s?: number | null;
      download_mib_s?: number | null;
      playing?: boolean;
    }
  | { cmd: 'connect'; addr: string }
  | { cmd: 'set-game-dir'; path: string }
  | { cmd: 'wait-peers'; count: number; timeout_ms: number }
  | { cmd: 'download'; game: string; install: boolean }
  | { cmd: 'install'; game: string }
  | { cmd: 'uninstall'; game: string }
  | { cmd: 'stream-install'; game: string }
  | { cmd: 'cancel-download'; game: string }
  | { cmd: 'pause-download'; game: string }
  | { cmd: 'resume-download'; game: string }
  | { cmd: 'move-download'; game: string; position: number }
  | { cmd: 'play'; game: string; username?: string; language?: string }
  | { cmd: 'start-server'; game: string; username?: string; language?: string }
  | { cmd: 'update'; game: string }
  | { cmd: 'remove-files'; game: string }
  | { cmd: 'shutdown' };

export type PeerCommandName = PeerCommand['cmd'];

// ------------------------------------------------------------------------------------- results

export interface StatusResult {
  peer_id: string;
  name: string;
  addr: string;
  peers: number;
  active_operations: ActiveOperation[];
  outbound_transfers: Record<string, number>;
  discovery: DiscoveryStatus;
  /** Connections other peers opened to this one since the start (control and transfer). */
  inbound_peer_connections: number;
  /** File payload bytes sent and received since the start, over all transfers. */
  traffic: { sent_bytes: number; received_bytes: number };
  /** The download queue in order: running, waiting and paused downloads and updates. */
  queue: QueueRow[];
  limits: LimitsView;
  /** Peers discovery announced that no dial reached, most recent failure first. */
  unreachable_peers: UnreachablePeerRow[];
  /** The peer protocol this peer speaks: a connected peer speaks the same. */
  protocol_version: number;
  /** This peer's lanspread release (`lanspread --version`), to compare with the peers'. */
  software_version: string;
}

export interface GamesResult {
  local: LocalGameRow[];
  remote: RemoteRow[];
}

export interface CatalogResult {
  source: string;
  games: CatalogRow[];
}

/** The answer of `play`: the first-play stamping, and what was started. */
export interface PlayResult {
  already_applied: boolean;
  account_name_written: boolean;
  language_written: boolean;
  persona_name_written: boolean;
  launched: boolean;
  launcher: string | null;
  pid: number | null;
  /** The setup script's exit code when this Play ran it; null when it did not run. */
  setup_exit_code: number | null;
  launch_error: { code: 'no-launcher'; message: string } | null;
}

/** A download or update that waits for a slot: its answer comes at once. */
export interface QueuedAnswer {
  queued?: true;
  position?: number;
}

/** What each command answers with `ok: true`. */
export interface CommandResults {
  status: StatusResult;
  'list-peers': PeerRow[];
  'list-games': GamesResult;
  catalog: CatalogResult;
  'game-files': { files: FileRow[] };
  'get-settings': SettingsView;
  'set-settings': SettingsView;
  'set-limits': LimitsView;
  connect: { peer_id: string };
  'set-game-dir': { games: LocalGameRow[] };
  'wait-peers': { peer_count: number };
  /** Answered when it ended, or at once with `queued` and its position when every slot is taken. */
  download: { game: string } & QueuedAnswer;
  install: { game: string };
  uninstall: { game: string };
  'stream-install': { game: string; bytes: number };
  'cancel-download': { game: string };
  'pause-download': { game: string };
  'resume-download': { game: string; position: number };
  'move-download': { game: string; position: number };
  play: PlayResult;
  'start-server': { game: string; launcher: string; pid: number };
  update: { game: string; from: string | null; to: string } & QueuedAnswer;
  'remove-files': { game: string };
  shutdown: Record<string, never>;
}

export type CommandResult = CommandResults[PeerCommandName];

// -------------------------------------------------------------------------------------- events

export type LostReason = 'goodbye' | 'timeout' | 'closed' | 'error';

/** What a launched process is: the one-time setup, the game, or its server. */
export type LaunchKind = 'setup' | 'game' | 'server';

export type PeerEvent =
  | { event: 'local-peer-ready'; peer_id: string; addr: string }
  | { event: 'local-library-changed'; games: LocalGameRow[] }
  | { event: 'peer-connected'; peer_id: string; addr: string }
  | { event: 'peer-lost'; peer_id: string; addr: string; reason: LostReason }
  | { event: 'remote-library-changed'; peer_id: string; games: GameRow[] }
  | { event: 'no-peers-have-game'; game: string }
  | { event: 'got-game-files'; game: string; files: FileRow[]; peers: string[] }
  | { event: 'download-begin'; game: string; bytes: number }
  | {
      event: 'download-chunk-finished';
      game: string;
      path: string;
      offset: number;
      length: number;
      peer_id: string;
      peer_addr: string;
    }
  | {
      event: 'download-progress';
      game: string;
      bytes_done: number;
      bytes_total: number;
      mib_per_s: number;
      active_peers: number;
      /** A download's sources that are busy serving others (`serve-over-budget`): asked again after a wait. */
      busy_peers?: number;
      /** A download's verified bytes of this run from complete peers and from partial ones (downloaders). */
      bytes_from_complete?: number;
      bytes_from_partial?: number;
    }
  | {
      event: 'download-peer-dropped';
      game: string;
      peer_id: string;
      peer_addr: string;
      reason: string;
    }
  | {
      event: 'download-finished';
      game: string;
      bytes: number;
      duration_ms: number;
      mib_per_s: number;
      mbit_per_s: number;
      /** As in download-progress; absent after a streamed install. */
      bytes_from_complete?: number;
      bytes_from_partial?: number;
    }
  /** The failure as the answer carries it: `code`, `message` and, for some codes, `details`. */
  | ({ event: 'download-failed'; game: string } & WireError)
  | { event: 'download-cancelled'; game: string }
  /** A download or update waits for a slot at `position` of the queue (docs/peer-jsonl.md). */
  | { event: 'download-queued'; game: string; position: number }
  /** pause-download stopped it; its resume data is kept. */
  | { event: 'download-paused'; game: string }
  /** The queue changed (added, started, paused, resumed, moved, ended): the whole of it. */
  | { event: 'download-queue-changed'; queue: QueueRow[] }
  | { event: 'install-begin'; game: string }
  | { event: 'install-finished'; game: string }
  | ({ event: 'install-failed'; game: string } & WireError)
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

export type PeerEventName = PeerEvent['event'];
export type PeerEventListener = (event: PeerEvent) => void;
