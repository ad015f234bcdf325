/**
 * One game's progress folded from the peer's events: phase, bytes, sources and a recent speed.
 * The one folding the CLI and the browser share; pure, so the page can keep it as React state.
 * Progress only: the outcome of a command is its answer (events and answers may travel apart).
 */
import type { PeerEvent } from './peer/contract.js';

export type ProgressPhase =
  | 'starting'
  | 'downloading'
  | 'downloaded'
  | 'installing'
  | 'installed'
  | 'uninstalled'
  | 'failed'
  | 'cancelled';

export interface Progress {
  readonly game: string;
  readonly phase: ProgressPhase;
  readonly phaseStartedMs: number;
  readonly bytesDone: number;
  /** Null until the download (or streamed install) announced its size. */
  readonly bytesTotal: number | null;
  readonly sources: number;
  /** Of those, the ones busy serving others, asked again after a wait. */
  readonly busySources: number;
  /** Bytes done at recent moments: the speed is measured over these. */
  readonly samples: readonly { readonly ms: number; readonly bytes: number }[];
}

/** What a display shows now: speed and time left from the last seconds, and the phase's clock. */
export interface ProgressFigures {
  /** Null until enough samples span a meaningful time. */
  bytesPerSecond: number | null;
  etaSeconds: number | null;
  /** Seconds since the phase began (installs report no bytes, so this is their progress). */
  phaseSeconds: number;
}

/** Speed is measured over the last few seconds, so a stall shows quickly and a resume does not count. */
const SPEED_WINDOW_MS = 5_000;
const MIN_SPEED_SPAN_MS = 400;

export function startProgress(game: string, nowMs: number): Progress {
  return {
    game,
    phase: 'starting',
    phaseStartedMs: nowMs,
    bytesDone: 0,
    bytesTotal: null,
    sources: 0,
    busySources: 0,
    samples: [],
  };
}

/** The progress after `event`; the same object when the event says nothing about this game. */
export function foldProgress(p: Progress, event: PeerEvent, nowMs: number): Progress {
  if (!('game' in event) || event.game !== p.game) return p;
  switch (event.event) {
    case 'got-game-files':
      return { ...p, sources: event.peers.length };
    case 'download-begin':
      // A streamed install begins again with each source it tries.
      return sample(
        { ...enter(p, 'downloading', nowMs), bytesDone: 0, bytesTotal: event.bytes, samples: [] },
        nowMs,
      );
    case 'download-progress':
      return sample(
        {
          ...p,
          bytesTotal: event.bytes_total,
          bytesDone: Math.max(p.bytesDone, event.bytes_done),
          sources: event.active_peers,
          busySources: event.busy_peers ?? 0,
        },
        nowMs,
      );
    case 'download-finished':
      return { ...enter(p, 'downloaded', nowMs), bytesDone: event.bytes };
    case 'install-begin':
      return enter(p, 'installing', nowMs);
    case 'install-finished':
      return enter(p, 'installed', nowMs);
    case 'uninstall-finished':
      return enter(p, 'uninstalled', nowMs);
    case 'download-failed':
    case 'install-failed':
      return enter(p, event.code === 'cancelled' ? 'cancelled' : 'failed', nowMs);
    case 'download-cancelled':
      return enter(p, 'cancelled', nowMs);
    case 'no-peers-have-game':
      return enter(p, 'failed', nowMs);
    default:
      return p;
  }
}

export function progressFigures(p: Progress, nowMs: number): ProgressFigures {
  const bytesPerSecond = p.phase === 'downloading' ? speed(p) : null;
  const left = p.bytesTotal === null ? null : Math.max(0, p.bytesTotal - p.bytesDone);
  return {
    bytesPerSecond,
    etaSeconds:
      left === null || bytesPerSecond === null || bytesPerSecond <= 0
        ? null
        : left / bytesPerSecond,
    phaseSeconds: Math.max(0, (nowMs - p.phaseStartedMs) / 1000),
  };
}

function enter(p: Progress, phase: ProgressPhase, nowMs: number): Progress {
  return phase === p.phase ? p : { ...p, phase, phaseStartedMs: nowMs };
}

function sample(p: Progress, nowMs: number): Progress {
  const samples = [...p.samples, { ms: nowMs, bytes: p.bytesDone }];
  while (samples.length > 2 && nowMs - (samples[1]?.ms ?? nowMs) >= SPEED_WINDOW_MS) {
    samples.shift();
  }
  return { ...p, samples };
}

function speed(p: Progress): number | null {
  const first = p.samples[0];
  const last = p.samples.at(-1);
  if (first === undefined || last === undefined) return null;
  const span = last.ms - first.ms;
  if (span < MIN_SPEED_SPAN_MS) return null;
  return ((last.bytes - first.bytes) * 1000) / span;
}
