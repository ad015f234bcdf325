/** The `download-finished` event with its throughput figures (S37), for downloads and streamed installs. */

export interface DownloadFinishedEvent {
  event: 'download-finished';
  game: string;
  bytes: number;
  duration_ms: number;
  mib_per_s: number;
  mbit_per_s: number;
}

/** `bytes` is the game's size; `bytesReceived` what crossed the wire in `durationMs` (less on a resume). */
export function downloadFinishedEvent(
  game: string,
  bytes: number,
  bytesReceived: number,
  durationMs: number,
): DownloadFinishedEvent {
  const seconds = Math.max(durationMs, 1) / 1000;
  return {
    event: 'download-finished',
    game,
    bytes,
    duration_ms: durationMs,
    mib_per_s: Math.round((bytesReceived / 1048576 / seconds) * 10) / 10,
    mbit_per_s: Math.round(((bytesReceived * 8) / 1e6 / seconds) * 10) / 10,
  };
}
