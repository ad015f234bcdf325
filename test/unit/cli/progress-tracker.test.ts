import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProgressTracker } from '../../../src/cli/progress-tracker.js';
import { progressEvent } from '../../support/progress-event.js';

const MiB = 1048576;

test('follows a download and its install from begin to installed, with notes in words', () => {
  const t = new ProgressTracker('cnc4', 0);
  assert.equal(
    t.apply({ event: 'got-game-files', game: 'cnc4', files: [], peers: ['a:1', 'b:2'] }, 10),
    null,
  );
  assert.deepEqual(t.apply({ event: 'download-begin', game: 'cnc4', bytes: 100 * MiB }, 20), {
    kind: 'note',
    text: 'downloading 100 MiB from 2 peers',
  });
  assert.deepEqual(t.apply(progressEvent(10 * MiB), 1020), { kind: 'progress' });
  const finished = t.apply(
    {
      event: 'download-finished',
      game: 'cnc4',
      bytes: 100 * MiB,
      duration_ms: 10_000,
      mib_per_s: 10,
      mbit_per_s: 83.9,
    },
    10_020,
  );
  assert.deepEqual(finished, {
    kind: 'note',
    text: 'downloaded 100 MiB in 0:10 (10.0 MiB/s)',
  });
  assert.equal(t.apply({ event: 'install-begin', game: 'cnc4' }, 10_030)?.kind, 'note');
  assert.equal(t.snapshot(12_030).phaseSeconds, 2);
  assert.deepEqual(t.apply({ event: 'install-finished', game: 'cnc4' }, 13_000), {
    kind: 'progress',
  });
  assert.equal(t.phase, 'installed');
});

test('a streamed install is said as streaming', () => {
  const t = new ProgressTracker('cnc4', 0, true);
  assert.deepEqual(t.apply({ event: 'download-begin', game: 'cnc4', bytes: MiB }, 0), {
    kind: 'note',
    text: 'streaming 1.00 MiB',
  });
  assert.equal(t.snapshot(0).streamed, true);
  const done = t.apply(
    {
      event: 'download-finished',
      game: 'cnc4',
      bytes: MiB,
      duration_ms: 1000,
      mib_per_s: 1,
      mbit_per_s: 8.4,
    },
    1000,
  );
  assert.deepEqual(done, {
    kind: 'note',
    text: 'streamed 1.00 MiB in 0:01 (1.00 MiB/s)',
  });
});

test('ignores events of other games', () => {
  const t = new ProgressTracker('cnc4', 0);
  assert.equal(t.apply({ event: 'install-begin', game: 'ggoo' }, 1), null);
  assert.equal(t.apply({ event: 'peer-connected', peer_id: 'p', addr: 'a:1' }, 1), null);
  assert.equal(t.phase, 'starting');
});

test('speed and ETA come from the last seconds of progress, not the whole run', () => {
  const t = new ProgressTracker('cnc4', 0);
  t.apply({ event: 'download-begin', game: 'cnc4', bytes: 100 * MiB }, 0);
  // A resume starts at 40 MiB: those bytes were not fetched now and must not count as speed.
  t.apply(progressEvent(40 * MiB), 100);
  assert.equal(t.snapshot(100).bytesPerSecond, null, 'one sample is no speed');
  for (let s = 1; s <= 10; s++) t.apply(progressEvent(40 * MiB + s * 5 * MiB), 100 + s * 1000);
  const snap = t.snapshot(10_100);
  assert.equal(snap.bytesDone, 90 * MiB);
  assert.equal(Math.round((snap.bytesPerSecond ?? 0) / MiB), 5);
  assert.equal(Math.round(snap.etaSeconds ?? 0), 2);
  assert.equal(snap.sources, 2);
});

test('a stall shows as zero speed and no ETA', () => {
  const t = new ProgressTracker('cnc4', 0);
  t.apply({ event: 'download-begin', game: 'cnc4', bytes: 100 * MiB }, 0);
  t.apply(progressEvent(10 * MiB), 1000);
  for (let s = 2; s <= 8; s++) t.apply(progressEvent(10 * MiB), s * 1000);
  const snap = t.snapshot(8000);
  assert.equal(snap.bytesPerSecond, 0);
  assert.equal(snap.etaSeconds, null);
});

test('outcomes end the line without a note: the answer says them', () => {
  const failed = new ProgressTracker('cnc4', 0);
  assert.deepEqual(
    failed.apply(
      { event: 'download-failed', game: 'cnc4', code: 'no-sources-left', message: 'all gone' },
      1,
    ),
    { kind: 'progress' },
  );
  assert.equal(failed.phase, 'failed');
  const cancelled = new ProgressTracker('cnc4', 0);
  cancelled.apply(
    { event: 'install-failed', game: 'cnc4', code: 'cancelled', message: 'cancelled' },
    1,
  );
  assert.equal(cancelled.phase, 'cancelled');
  const none = new ProgressTracker('cnc4', 0);
  assert.equal(none.apply({ event: 'no-peers-have-game', game: 'cnc4' }, 1)?.kind, 'progress');
  assert.equal(none.phase, 'failed');
});

test('a download whose every source is busy says so once; one busy of two says nothing', () => {
  const t = new ProgressTracker('cnc4', 0);
  t.apply({ event: 'download-begin', game: 'cnc4', bytes: 100 * MiB }, 0);
  assert.deepEqual(t.apply(progressEvent(10 * MiB, 100 * MiB, 2, 1), 500), { kind: 'progress' });
  assert.deepEqual(t.apply(progressEvent(10 * MiB, 100 * MiB, 2, 2), 1000), {
    kind: 'note',
    text: 'all 2 sources are busy serving other peers; asking again shortly',
  });
  assert.deepEqual(t.apply(progressEvent(20 * MiB, 100 * MiB, 2, 0), 1500), { kind: 'progress' });
  assert.deepEqual(t.apply(progressEvent(20 * MiB, 100 * MiB, 2, 2), 2000), { kind: 'progress' });
  const one = new ProgressTracker('cnc4', 0);
  one.apply({ event: 'download-begin', game: 'cnc4', bytes: 100 * MiB }, 0);
  assert.deepEqual(one.apply(progressEvent(0, 100 * MiB, 1, 1), 500), {
    kind: 'note',
    text: 'the source is busy serving other peers; asking again shortly',
  });
});
