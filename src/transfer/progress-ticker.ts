/** The `download-progress` a download and a streamed install both emit while bytes flow. */
import type { DownloadEvent } from './download-request.js';

const PROGRESS_INTERVAL_MS = 500;

export interface ProgressFigures {
  /** Bytes of the game on disk and verified, resumed ones included. */
  bytesDone: number;
  /** Bytes that crossed the wire in this run: the speed counts only these. */
  received: number;
  activePeers: number;
  /** Of those, the sources that answered `serve-over-budget` and are asked again after a wait. */
  busyPeers?: number;
  /** A download's verified bytes from complete and from partial sources. */
  fromComplete?: number;
  fromPartial?: number;
}

/**
 * Emits `download-progress` for `game` about every 500 ms from `read`'s figures, then calls
 * `onTick`; returns the function that stops it.
 */
export function tickProgress(
  game: string,
  bytesTotal: number,
  read: () => ProgressFigures,
  emit: (event: DownloadEvent) => void,
  onTick: () => void = () => undefined,
): () => void {
  const started = Date.now();
  const timer = setInterval(() => {
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    const figures = read();
    emit({
      event: 'download-progress',
      game,
      bytes_done: figures.bytesDone,
      bytes_total: bytesTotal,
      mib_per_s: Math.round((figures.received / 1048576 / seconds) * 10) / 10,
      active_peers: figures.activePeers,
      ...(figures.busyPeers === undefined ? {} : { busy_peers: figures.busyPeers }),
      ...(figures.fromComplete === undefined ? {} : { bytes_from_complete: figures.fromComplete }),
      ...(figures.fromPartial === undefined ? {} : { bytes_from_partial: figures.fromPartial }),
    });
    onTick();
  }, PROGRESS_INTERVAL_MS);
  return () => {
    clearInterval(timer);
  };
}
