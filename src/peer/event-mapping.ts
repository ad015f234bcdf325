/** The one place where the events of transfer/ and install/ become the contract's events. */
import type { StreamInstallEvent } from '../install/index.js';
import type { DownloadEvent } from '../transfer/index.js';
import type { PeerEvent } from './contract.js';

/** A finished transfer's figures: `bytes` the game's size, `bytesReceived` what crossed the wire in `durationMs`. */
export interface TransferFinished {
  game: string;
  bytes: number;
  bytesReceived: number;
  durationMs: number;
  /** A download's verified bytes from complete and from partial sources. */
  bytesFromComplete?: number;
  bytesFromPartial?: number;
}

/** `download-finished` with its throughput figures (S37); less received than `bytes` on a resume. */
export function downloadFinished(done: TransferFinished): PeerEvent {
  const seconds = Math.max(done.durationMs, 1) / 1000;
  return {
    event: 'download-finished',
    game: done.game,
    bytes: done.bytes,
    duration_ms: done.durationMs,
    mib_per_s: Math.round((done.bytesReceived / 1048576 / seconds) * 10) / 10,
    mbit_per_s: Math.round(((done.bytesReceived * 8) / 1e6 / seconds) * 10) / 10,
    ...(done.bytesFromComplete === undefined
      ? {}
      : { bytes_from_complete: done.bytesFromComplete }),
    ...(done.bytesFromPartial === undefined ? {} : { bytes_from_partial: done.bytesFromPartial }),
  };
}

/**
 * A download's and a streamed install's progress events already have the contract's spelling
 * (the compiler holds them to it here); a streamed install's end is mapped like a download's.
 */
export function transferEvent(event: DownloadEvent | StreamInstallEvent): PeerEvent {
  return event.event === 'stream-finished' ? downloadFinished(event) : event;
}
