/** What a download is asked to do and what it reports: its request, events and result. */
import type { CatalogGame } from '../catalog/index.js';
import type { PeerId } from '../ids.js';
import type { Logger } from '../logger.js';
import type { HaveMap, Manifest } from '../protocol/index.js';
import type { PartialHandle } from './local-partials.js';
import type { Traffic } from './traffic.js';
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
      /** A download's sources that are busy serving others (`serve-over-budget`): asked again after a wait. */
      busy_peers?: number;
      /** Verified bytes of this run that came from complete sources and from partial ones. */
      bytes_from_complete?: number;
      bytes_from_partial?: number;
    }
  | {
      event: 'download-peer-dropped';
      game: string;
      peer_id: string;
      peer_addr: string;
      reason: string;
    };

/** What a peer holds of the game being downloaded, as its adverts say. */
export type SwarmHolding =
  | { kind: 'complete'; addr: string }
  | {
      kind: 'partial';
      addr: string;
      version: string;
      digest: string;
      have: HaveMap;
      /** Chunks it fetches now from a peer that holds them. */
      fetching: HaveMap;
      /** Chunks it fetches now from a relay, relayed no further. */
      relaying: HaveMap;
    };

/** The download's view of the swarm: the other peers' holdings of the game, and its own advert. */
export interface SwarmLink {
  /** This peer's id: of two peers that picked the same chunk, the one with the greater id yields. */
  readonly self: PeerId;
  /** What `peer` holds of the game now; undefined when nothing (or it is gone). */
  holding(peer: PeerId): SwarmHolding | undefined;
  /** Peers that advertise a partial holding of the game now. */
  partialPeers(): PeerId[];
  /** `listener` hears each peer whose holding of the game may have changed; returns the unsubscribe. */
  watch(listener: (peer: PeerId) => void): () => void;
  /** Starts advertising the chunks of `manifest` verified here; null when it cannot be shared. */
  hold(manifest: Manifest, verified: Iterable<string>): PartialHandle | null;
}

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
  /** Peers downloading the same manifest become sources, and this download serves its chunks. */
  swarm?: SwarmLink;
  /** Counts the payload bytes received; not counted when absent. */
  traffic?: Traffic;
}

export interface DownloadResult {
  bytes: number;
  /** Bytes actually received in this run (less than `bytes` after a resume). */
  bytesReceived: number;
  durationMs: number;
  /** Verified bytes of this run from complete sources and from partial ones. */
  bytesFromComplete: number;
  bytesFromPartial: number;
  /**
   * Puts every file on the disk and then removes the resume journal; the root is Ready before.
   * For the caller to run once its own writes are done: while a flush waits for the disk, the
   * file system's other changes (even removing a file) wait for it too.
   */
  flush: () => Promise<void>;
}
