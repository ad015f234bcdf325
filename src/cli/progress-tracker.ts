/** One game's progress for a terminal: the shared folding, and what each event says in words. */
import { formatBytes, formatDuration, formatRate } from '../human-units.js';
import type { PeerEvent } from '../peer/index.js';
import {
  foldProgress,
  progressFigures,
  startProgress,
  type Progress,
  type ProgressFigures,
  type ProgressPhase,
} from '../progress-fold.js';

export type { ProgressPhase };

/** A progress as a display draws it. */
export interface ProgressSnapshot extends ProgressFigures {
  game: string;
  phase: ProgressPhase;
  bytesDone: number;
  /** Null until the download (or streamed install) announced its size. */
  bytesTotal: number | null;
  sources: number;
  /** A streamed install: its bytes are unpacked as they arrive, so "downloading" would mislead. */
  streamed: boolean;
}

/** What one event meant: a sentence worth a line of its own, or only new numbers. */
export type ProgressChange = { kind: 'note'; text: string } | { kind: 'progress' };

/** The shared folding (src/progress-fold.ts), with the sentences a terminal says on the way. */
export class ProgressTracker {
  readonly game: string;
  readonly #streamed: boolean;
  #progress: Progress;
  /** Said once: a download stalled because every source is busy is waiting, not stuck. */
  #saidAllBusy = false;

  constructor(game: string, nowMs: number, streamed = false) {
    this.game = game;
    this.#streamed = streamed;
    this.#progress = startProgress(game, nowMs);
  }

  get phase(): ProgressPhase {
    return this.#progress.phase;
  }

  /** Null for events about other games or that change nothing shown. */
  apply(event: PeerEvent, nowMs: number): ProgressChange | null {
    if (!('game' in event) || event.game !== this.game) return null;
    this.#progress = foldProgress(this.#progress, event, nowMs);
    switch (event.event) {
      case 'download-begin': {
        const sources = this.#progress.sources;
        const from = sources > 0 ? ` from ${plural(sources, 'peer')}` : '';
        const verb = this.#streamed ? 'streaming' : 'downloading';
        return note(`${verb} ${formatBytes(event.bytes)}${from}`);
      }
      case 'download-progress': {
        const { sources, busySources } = this.#progress;
        if (this.#saidAllBusy || sources === 0 || busySources < sources)
          return { kind: 'progress' };
        this.#saidAllBusy = true;
        return note(
          `${sources === 1 ? 'the source is' : `all ${sources} sources are`} busy serving other peers; asking again shortly`,
        );
      }
      case 'download-peer-dropped':
        return note(`dropped source ${event.peer_addr}: ${event.reason}`);
      case 'download-finished': {
        const seconds = event.duration_ms / 1000;
        return note(
          `${this.#streamed ? 'streamed' : 'downloaded'} ${formatBytes(event.bytes)} in ${formatDuration(seconds)} (${formatRate(event.mib_per_s * 1048576)})`,
        );
      }
      case 'install-begin':
        return note('installing');
      case 'install-finished':
      case 'uninstall-finished':
      case 'download-failed':
      case 'install-failed':
      case 'download-cancelled':
      case 'no-peers-have-game':
        // The line stops; the outcome is said from the command's answer, which may come first.
        return { kind: 'progress' };
      default:
        return null;
    }
  }

  snapshot(nowMs: number): ProgressSnapshot {
    const { game, phase, bytesDone, bytesTotal, sources } = this.#progress;
    return {
      game,
      phase,
      bytesDone,
      bytesTotal,
      sources,
      ...progressFigures(this.#progress, nowMs),
      streamed: this.#streamed,
    };
  }
}

function note(text: string): ProgressChange {
  return { kind: 'note', text };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
