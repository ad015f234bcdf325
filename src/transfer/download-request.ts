/** What a download is asked to do and what it reports: its request, events and result. */
import type { CatalogGame } from '../catalog/index.js';
import type { PeerId } from '../ids.js';
import type { Logger } from '../logger.js';
import type { TransferClient } from './transfer-client.js';

export interface DownloadSource {
  peerId: PeerId;
  addr: string;
}

export type DownloadEvent =
  | {
      event: 'got-game-files';
      game: string;
      files: { path: string; size: number }[];
      peers: string[];
    }
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
    }
  | {
      event: 'download-peer-dropped';
      game: string;
      peer_id: string;
      peer_addr: string;
      reason: string;
    };

export interface DownloadRequest {
  game: CatalogGame;
  /** `<games>/<id>`; created when missing. */
  root: string;
  sources: readonly DownloadSource[];
  chunkSize: number;
  /** Opens a transfer connection to `source`, proving its id. */
  connect(source: DownloadSource, signal: AbortSignal): Promise<TransferClient>;
  /**
   * Opens a plaintext data connection to `source` with a token it issued, for chunks; absent with
   * `--encrypt-transfers`, when chunks travel on TLS transfer connections.
   */
  connectData?: (
    source: DownloadSource,
    token: Buffer,
    signal: AbortSignal,
  ) => Promise<TransferClient>;
  emit(event: DownloadEvent): void;
  log: Logger;
  signal: AbortSignal;
}

export interface DownloadResult {
  bytes: number;
  /** Bytes actually received in this run (less than `bytes` after a resume). */
  bytesReceived: number;
  durationMs: number;
}
