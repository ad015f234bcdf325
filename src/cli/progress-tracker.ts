/** Folds one game's events into what a progress display shows: phase, bytes, speed, ETA, notes. */
import type { PeerEvent } from '../peer/index.js';
import { formatBytes, formatDuration, formatRate } from '../human-units.js';

export type ProgressPhase =
  | 'starting'
  | 'downloading'
  | 'downloaded'
  | 'installing'
  | 'installed'
  | 'uninstalled'
  | 'failed'
  | 'cancelled';

export interface ProgressSnapshot {
  game: string;
  phase: ProgressPhase;
  bytesDone: number;
  /** Null until the download (or streamed install) announced its size. */
  bytesTotal: number | null;
  sources: number;
  /** Null until enough samples span a meaningful time. */
  bytesPerSecond: number | null;
  etaSeconds: number | null;
  /** Seconds since the current phase began (installs report no bytes, so this is their progress). */
  phaseSeconds: number;
  /** A streamed install: its bytes are unpacked as they arrive, so "downloading" would mislead. */
  streamed: boolean;
}

/** What one event meant: a sentence worth a line of its own, or only new numbers. */
export type ProgressChange = { kind: 'note'; text: string; final: boolean } | { kind: 'progress' };

/** Speed is measured over the last few seconds, so a stall shows quickly and a resume does not count. */
const SPEED_WINDOW_MS = 5_000;
const MIN_SPEED_SPAN_MS = 400;

export class ProgressTracker {
  readonly game: string;
  readonly #streamed: boolean;
  #phase: ProgressPhase = 'starting';
  #phaseStartedMs: number;
  #bytesDone = 0;
  #chunkBytes = 0;
  #bytesTotal: number | null = null;
  #sources = 0;
  #samples: { ms: number; bytes: number }[] = [];

  constructor(game: string, nowMs: number, streamed = false) {
    this.game = game;
    this.#streamed = streamed;
    this.#phaseStartedMs = nowMs;
  }

  get phase(): ProgressPhase {
    return this.#phase;
  }

  /** Null for events about other games or that change nothing shown. */
  apply(event: PeerEvent, nowMs: number): ProgressChange | null {
    if (!('game' in event) || event.game !== this.game) return null;
    switch (event.event) {
      case 'got-game-files':
        this.#sources = event.peers.length;
        return null;
      case 'download-begin': {
        this.#enter('downloading', nowMs);
        this.#bytesTotal = event.bytes;
        this.#sample(nowMs);
        const from = this.#sources > 0 ? ` from ${plural(this.#sources, 'peer')}` : '';
        const verb = this.#streamed ? 'streaming' : 'downloading';
        return this.#note(`${verb} ${formatBytes(event.bytes)}${from}`);
      }
      case 'download-chunk-finished':
        this.#chunkBytes += event.length;
        this.#bytesDone = Math.max(this.#bytesDone, this.#chunkBytes);
        this.#sample(nowMs);
        return { kind: 'progress' };
      case 'download-progress':
        this.#bytesTotal = event.bytes_total;
        this.#bytesDone = Math.max(this.#bytesDone, event.bytes_done);
        this.#sources = event.active_peers;
        this.#sample(nowMs);
        return { kind: 'progress' };
      case 'download-peer-dropped':
        return this.#note(`dropped source ${event.peer_addr}: ${event.reason}`);
      case 'download-finished': {
        const seconds = event.duration_ms / 1000;
        this.#bytesDone = event.bytes;
        this.#enter('downloaded', nowMs);
        return this.#note(
          `${this.#streamed ? 'streamed' : 'downloaded'} ${formatBytes(event.bytes)} in ${formatDuration(seconds)} (${formatRate(event.mib_per_s * 1048576)})`,
        );
      }
      case 'install-begin':
        this.#enter('installing', nowMs);
        return this.#note('installing');
      case 'install-finished':
        this.#enter('installed', nowMs);
        return this.#note('installed', true);
      case 'uninstall-finished':
        this.#enter('uninstalled', nowMs);
        return this.#note('uninstalled', true);
      case 'download-failed':
      case 'install-failed':
        this.#enter(event.code === 'cancelled' ? 'cancelled' : 'failed', nowMs);
        return this.#note(
          event.code === 'cancelled'
            ? 'cancelled'
            : `${event.event === 'install-failed' ? 'install' : 'download'} failed: ${event.code}: ${event.message}`,
          true,
        );
      case 'download-cancelled':
        this.#enter('cancelled', nowMs);
        return this.#note('cancelled', true);
      case 'no-peers-have-game':
        this.#enter('failed', nowMs);
        return this.#note('no connected peer has this game', true);
      default:
        return null;
    }
  }

  snapshot(nowMs: number): ProgressSnapshot {
    const bytesPerSecond = this.#phase === 'downloading' ? this.#speed() : null;
    const left = this.#bytesTotal === null ? null : Math.max(0, this.#bytesTotal - this.#bytesDone);
    return {
      game: this.game,
      phase: this.#phase,
      bytesDone: this.#bytesDone,
      bytesTotal: this.#bytesTotal,
      sources: this.#sources,
      bytesPerSecond,
      etaSeconds:
        left === null || bytesPerSecond === null || bytesPerSecond <= 0
          ? null
          : left / bytesPerSecond,
      phaseSeconds: Math.max(0, (nowMs - this.#phaseStartedMs) / 1000),
      streamed: this.#streamed,
    };
  }

  #enter(phase: ProgressPhase, nowMs: number): void {
    if (phase !== this.#phase) this.#phaseStartedMs = nowMs;
    this.#phase = phase;
  }

  #note(text: string, final = false): ProgressChange {
    return { kind: 'note', text, final };
  }

  #sample(nowMs: number): void {
    this.#samples.push({ ms: nowMs, bytes: this.#bytesDone });
    while (this.#samples.length > 2 && nowMs - (this.#samples[1]?.ms ?? nowMs) >= SPEED_WINDOW_MS) {
      this.#samples.shift();
    }
  }

  #speed(): number | null {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (first === undefined || last === undefined) return null;
    const span = last.ms - first.ms;
    if (span < MIN_SPEED_SPAN_MS) return null;
    return ((last.bytes - first.bytes) * 1000) / span;
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
