import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PeerEvent } from '../../src/peer/index.js';
import {
  foldProgress,
  progressFigures,
  startProgress,
  type Progress,
} from '../../src/progress-fold.js';
import { progressEvent } from '../support/progress-event.js';

const MiB = 1048576;

function fold(events: readonly [PeerEvent, number][], from = startProgress('cnc4', 0)): Progress {
  return events.reduce((p, [event, ms]) => foldProgress(p, event, ms), from);
}

test('a download and its install move through their phases, bytes and sources', () => {
  const begun = fold([
    [{ event: 'got-game-files', game: 'cnc4', files: [], peers: ['a:1', 'b:2', 'c:3'] }, 10],
    [{ event: 'download-begin', game: 'cnc4', bytes: 100 * MiB }, 20],
  ]);
  assert.equal(begun.phase, 'downloading');
  assert.equal(begun.phaseStartedMs, 20);
  assert.equal(begun.bytesTotal, 100 * MiB);
  assert.equal(begun.sources, 3);
  const moving = fold([[progressEvent(30 * MiB), 1020]], begun);
  assert.equal(moving.bytesDone, 30 * MiB);
  assert.equal(moving.sources, 2, 'the sources still in use, from the progress');
  assert.equal(moving.busySources, 0);
  const waiting = fold([[progressEvent(30 * MiB, 100 * MiB, 2, 1), 1520]], moving);
  assert.equal(waiting.busySources, 1, 'one source busy serving others');
  const done = fold(
    [
      [
        {
          event: 'download-finished',
          game: 'cnc4',
          bytes: 100 * MiB,
          duration_ms: 2000,
          mib_per_s: 50,
          mbit_per_s: 419,
        },
        2020,
      ],
      [{ event: 'install-begin', game: 'cnc4' }, 2030],
    ],
    moving,
  );
  assert.equal(done.bytesDone, 100 * MiB);
  assert.equal(done.phase, 'installing');
  assert.equal(progressFigures(done, 4030).phaseSeconds, 2, 'an install shows its clock');
  assert.equal(progressFigures(done, 4030).bytesPerSecond, null, 'and no speed');
  assert.equal(
    fold([[{ event: 'install-finished', game: 'cnc4' }, 5000]], done).phase,
    'installed',
  );
});

test('the same object comes back for other games and for events that change nothing', () => {
  const p = startProgress('cnc4', 0);
  assert.equal(foldProgress(p, { event: 'install-begin', game: 'ggoo' }, 1), p);
  assert.equal(foldProgress(p, { event: 'peer-connected', peer_id: 'p', addr: 'a:1' }, 1), p);
  assert.equal(
    foldProgress(
      p,
      {
        event: 'download-chunk-finished',
        game: 'cnc4',
        path: 'x',
        offset: 0,
        length: 10,
        peer_id: 'p',
        peer_addr: 'a:1',
      },
      1,
    ),
    p,
    'progress comes from download-progress alone',
  );
});

test("a streamed install's progress counts, and each new source begins again from zero", () => {
  const first = fold([
    [{ event: 'download-begin', game: 'cnc4', bytes: 30 * MiB }, 0],
    [progressEvent(20 * MiB, 30 * MiB, 1), 500],
  ]);
  assert.equal(first.bytesDone, 20 * MiB);
  const again = fold(
    [
      [
        {
          event: 'download-peer-dropped',
          game: 'cnc4',
          peer_id: 'p',
          peer_addr: 'a:1',
          reason: 'gone',
        },
        600,
      ],
      [{ event: 'download-begin', game: 'cnc4', bytes: 30 * MiB }, 700],
    ],
    first,
  );
  assert.equal(again.bytesDone, 0);
  assert.equal(progressFigures(again, 700).bytesPerSecond, null, 'the old source is no speed');
  assert.equal(fold([[progressEvent(5 * MiB, 30 * MiB, 1), 1200]], again).bytesDone, 5 * MiB);
});

test('speed and time left come from the last seconds, so a resume is no speed', () => {
  let p = fold([
    [{ event: 'download-begin', game: 'cnc4', bytes: 100 * MiB }, 0],
    // A resume starts at 40 MiB: those bytes were not fetched now.
    [progressEvent(40 * MiB), 100],
  ]);
  assert.equal(progressFigures(p, 100).bytesPerSecond, null, 'one sample is no speed');
  for (let s = 1; s <= 10; s++)
    p = foldProgress(p, progressEvent(40 * MiB + s * 5 * MiB), 100 + s * 1000);
  const figures = progressFigures(p, 10_100);
  assert.equal(p.bytesDone, 90 * MiB);
  assert.equal(Math.round((figures.bytesPerSecond ?? 0) / MiB), 5);
  assert.equal(Math.round(figures.etaSeconds ?? 0), 2);
  assert.ok(p.samples.length <= 7, `the window holds the last seconds: ${p.samples.length}`);
  // A stall shows as zero speed and no time left.
  for (let s = 11; s <= 18; s++) p = foldProgress(p, progressEvent(90 * MiB), 100 + s * 1000);
  assert.equal(progressFigures(p, 18_100).bytesPerSecond, 0);
  assert.equal(progressFigures(p, 18_100).etaSeconds, null);
});

test('failures, cancels and a game nobody has end the progress in their phase', () => {
  const begun = startProgress('cnc4', 0);
  const phase = (event: PeerEvent) => foldProgress(begun, event, 1).phase;
  assert.equal(
    phase({ event: 'download-failed', game: 'cnc4', code: 'no-sources-left', message: 'gone' }),
    'failed',
  );
  assert.equal(
    phase({ event: 'install-failed', game: 'cnc4', code: 'cancelled', message: 'cancelled' }),
    'cancelled',
  );
  assert.equal(phase({ event: 'download-cancelled', game: 'cnc4' }), 'cancelled');
  assert.equal(phase({ event: 'no-peers-have-game', game: 'cnc4' }), 'failed');
  assert.equal(phase({ event: 'uninstall-finished', game: 'cnc4' }), 'uninstalled');
});
