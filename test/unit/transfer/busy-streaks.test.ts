import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BUSY_GIVE_UP_ANSWERS,
  BUSY_GIVE_UP_MS,
  BUSY_STREAK_GAP_MS,
  BusyStreaks,
} from '../../../src/transfer/busy-streaks.js';

/** A clock the test moves. */
function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** Busy answers of `peer` every `stepMs` until one drops it; how many there were (or null). */
function answersUntilDropped(
  streaks: BusyStreaks<string>,
  c: ReturnType<typeof clock>,
  stepMs: number,
  max = 1_000,
): number | null {
  for (let i = 1; i <= max; i++) {
    if (streaks.busy('hog') !== undefined) return i;
    c.advance(stepMs);
  }
  return null;
}

test('a source answering only chunk-busy is dropped once its streak is long enough, in time and count', () => {
  const c = clock();
  const streaks = new BusyStreaks<string>(c.now);
  // Asked every 500 ms: the time decides (15 s → the 31st answer).
  assert.equal(answersUntilDropped(streaks, c, 500), BUSY_GIVE_UP_MS / 500 + 1);
  // Asked seldom but without a pause long enough to end the streak: the count decides too.
  const slow = new BusyStreaks<string>(c.now);
  const step = BUSY_STREAK_GAP_MS;
  assert.equal(
    answersUntilDropped(slow, c, step),
    Math.max(BUSY_GIVE_UP_ANSWERS, Math.ceil(BUSY_GIVE_UP_MS / step) + 1),
  );
  // Many answers at once are not a streak in time.
  const burst = new BusyStreaks<string>(() => 0);
  for (let i = 0; i < 100; i++) assert.equal(burst.busy('hog'), undefined);
});

test('a chunk sent, or a pause in the answers, ends the streak', () => {
  const c = clock();
  const streaks = new BusyStreaks<string>(c.now);
  for (let i = 0; i < 20; i++) {
    assert.equal(streaks.busy('p'), undefined);
    c.advance(500);
  }
  streaks.sent('p');
  // 10 s of busy answers after the chunk: a new streak, under the limit.
  for (let i = 0; i < 20; i++) {
    assert.equal(streaks.busy('p'), undefined);
    c.advance(500);
  }
  // Not needed for a while: the next answer starts afresh.
  c.advance(BUSY_STREAK_GAP_MS + 1);
  for (let i = 0; i < 20; i++) {
    assert.equal(streaks.busy('p'), undefined);
    c.advance(500);
  }
  // Another source's streak is its own.
  assert.equal(streaks.busy('q'), undefined);
});
