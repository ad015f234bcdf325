/** Renders a progress snapshot: one redrawn terminal line with a bar, or a plain log line. */
import { formatBytes, formatDuration, formatRate } from '../human-units.js';
import { terminalText } from '../terminal-text.js';
import type { ProgressSnapshot } from './progress-tracker.js';

const BAR_MIN = 10;
const PHASE_WIDTH = 'downloading'.length;
const BAR_MAX = 40;

/** The share done, 0 to 1, or null when the size is not known yet. */
export function fractionDone(snap: ProgressSnapshot): number | null {
  if (snap.bytesTotal === null) return null;
  if (snap.bytesTotal === 0) return 1;
  return Math.min(1, Math.max(0, snap.bytesDone / snap.bytesTotal));
}

/** `[=====>     ]` for a known share; a block that walks back and forth while the size is unknown. */
export function renderBar(fraction: number | null, width: number, tick: number): string {
  const inner = Math.max(1, width - 2);
  if (fraction === null) {
    const span = Math.max(1, inner - 3);
    const step = tick % (2 * span);
    const at = step < span ? step : 2 * span - step;
    return `[${' '.repeat(at)}<=>${' '.repeat(Math.max(0, inner - 3 - at))}]`.slice(0, width);
  }
  const full = Math.floor(fraction * inner);
  if (full >= inner) return `[${'='.repeat(inner)}]`;
  return `[${'='.repeat(full)}>${' '.repeat(inner - full - 1)}]`;
}

function phaseWord(snap: ProgressSnapshot): string {
  return snap.streamed && snap.phase === 'downloading' ? 'streaming' : snap.phase;
}

function percent(fraction: number): string {
  return `${Math.floor(fraction * 100)}%`.padStart(4);
}

/** Widest text of each part after the bar, so the line keeps its layout as the numbers change. */
const WIDEST = {
  percent: 4,
  bytes: '1023 MiB / 1023 MiB'.length,
  speed: '1023 MiB/s'.length,
  eta: 'ETA 99:59:59'.length,
  clock: '99:59:59'.length,
};
type Part = keyof typeof WIDEST;

/** The parts a download line keeps as the terminal narrows, richest first; the ETA outlives the speed. */
const DOWNLOAD_LAYOUTS: readonly (readonly Part[])[] = [
  ['percent', 'bytes', 'speed', 'eta'],
  ['percent', 'bytes', 'eta'],
  ['percent', 'eta'],
  ['percent'],
  [],
];
const CLOCK_LAYOUTS: readonly (readonly Part[])[] = [['clock'], []];

/**
 * The TTY line, never wider than `columns - 1` (a full-width line wraps and breaks the redraw).
 * The layout depends on the width alone, each part padded to its widest, so nothing jumps as
 * the numbers change; parts are dropped before the bar shrinks below its minimum.
 */
export function formatTtyLine(snap: ProgressSnapshot, columns: number): string {
  // Only a download has a share done; an install walks the block while its clock runs.
  const fraction = snap.phase === 'downloading' ? fractionDone(snap) : null;
  const tick = Math.floor(snap.phaseSeconds * 4);
  // Phase words padded alike, so the bar stays put when a download turns into an install.
  const head = `${terminalText(snap.game)} ${phaseWord(snap).padEnd(PHASE_WIDTH)}`;
  const limit = Math.max(1, columns - 1);
  const text: Record<Part, string> = {
    percent: fraction === null ? '' : percent(fraction),
    bytes:
      snap.bytesTotal === null
        ? ''
        : `${formatBytes(snap.bytesDone)} / ${formatBytes(snap.bytesTotal)}`.padStart(WIDEST.bytes),
    speed:
      snap.bytesPerSecond === null ? '' : formatRate(snap.bytesPerSecond).padStart(WIDEST.speed),
    eta: snap.etaSeconds === null ? '' : `ETA ${formatDuration(snap.etaSeconds)}`,
    clock: formatDuration(snap.phaseSeconds),
  };
  const layouts = fraction === null ? CLOCK_LAYOUTS : DOWNLOAD_LAYOUTS;
  for (const parts of layouts) {
    const room = parts.reduce(
      (sum, part) => sum + Math.max(WIDEST[part], text[part].length) + 2,
      0,
    );
    const barWidth = Math.min(BAR_MAX, limit - head.length - 2 - room);
    if (barWidth >= BAR_MIN || parts.length === 0) {
      const bar = barWidth >= BAR_MIN ? `  ${renderBar(fraction, barWidth, tick)}` : '';
      const tail = parts.map((part) => text[part].padEnd(WIDEST[part]));
      return [`${head}${bar}`, ...tail].join('  ').trimEnd().slice(0, limit);
    }
  }
  return head.slice(0, limit);
}

/** The line a log or pipe gets now and then: `cnc4: 45% (1.17 GiB of 2.60 GiB) at 85.3 MiB/s, ETA 0:17`. */
export function formatPlainLine(snap: ProgressSnapshot): string {
  const fraction = fractionDone(snap);
  if (snap.phase !== 'downloading' || fraction === null || snap.bytesTotal === null) {
    return `${terminalText(snap.game)}: ${phaseWord(snap)} (${formatDuration(snap.phaseSeconds)})`;
  }
  let line = `${terminalText(snap.game)}: ${percent(fraction).trim()} (${formatBytes(snap.bytesDone)} of ${formatBytes(snap.bytesTotal)})`;
  if (snap.bytesPerSecond !== null) line += ` at ${formatRate(snap.bytesPerSecond)}`;
  if (snap.etaSeconds !== null) line += `, ETA ${formatDuration(snap.etaSeconds)}`;
  return line;
}
