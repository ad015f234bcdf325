import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DialThrottle } from '../../../src/mesh/dial-throttle.js';

/** A dial the test finishes by hand; `started` tells whether the throttle ran it. */
function heldDial(): { job: () => Promise<boolean>; finish(ok: boolean): void; started: boolean } {
  let finish: (ok: boolean) => void = () => undefined;
  const dial = {
    started: false,
    job: () =>
      new Promise<boolean>((resolve) => {
        dial.started = true;
        finish = resolve;
      }),
    finish: (ok: boolean) => {
      finish(ok);
    },
  };
  return dial;
}

const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('at most maxInFlight dials run; a finished one lets the oldest waiting one start', async () => {
  const throttle = new DialThrottle({ perSecond: 1000, burst: 100, maxInFlight: 2, maxQueued: 10 });
  const dials = [heldDial(), heldDial(), heldDial(), heldDial()];
  const results = dials.map((d, i) => throttle.run(`10.0.0.${i}:1`, d.job));
  assert.deepEqual(
    dials.map((d) => d.started),
    [true, true, false, false],
  );
  assert.deepEqual([throttle.inFlight, throttle.queued], [2, 2]);
  dials[1]?.finish(true);
  assert.equal(await results[1], true);
  await settled();
  assert.deepEqual(
    dials.map((d) => d.started),
    [true, true, true, false],
  );
  dials[0]?.finish(false);
  assert.equal(await results[0], false);
  await settled();
  assert.equal(dials[3]?.started, true);
});

test('a key already waiting or running, or a full queue, is refused at once', async () => {
  const throttle = new DialThrottle({ perSecond: 1000, burst: 100, maxInFlight: 1, maxQueued: 1 });
  const running = heldDial();
  void throttle.run('a', running.job);
  const waiting = heldDial();
  void throttle.run('b', waiting.job);
  const refused = heldDial();
  assert.equal(await throttle.run('a', refused.job), false, 'a is running');
  assert.equal(await throttle.run('b', refused.job), false, 'b is waiting');
  assert.equal(await throttle.run('c', refused.job), false, 'the queue is full');
  assert.equal(refused.started, false);
  assert.deepEqual([throttle.inFlight, throttle.queued], [1, 1]);
});

test('beyond the burst, dials start at the rate: the next one waits for a token', async () => {
  const throttle = new DialThrottle({ perSecond: 20, burst: 2, maxInFlight: 10, maxQueued: 10 });
  const dials = [heldDial(), heldDial(), heldDial()];
  for (const [i, d] of dials.entries()) void throttle.run(String(i), d.job);
  assert.deepEqual(
    dials.map((d) => d.started),
    [true, true, false],
    'two tokens, two dials',
  );
  // The third token comes 50 ms later; no dial finishing is needed for it.
  const deadline = Date.now() + 5_000;
  while (dials[2]?.started !== true && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(dials[2]?.started, true);
});

test('a dial that throws counts as failed and frees its slot', async () => {
  const throttle = new DialThrottle({ perSecond: 1000, burst: 100, maxInFlight: 1, maxQueued: 5 });
  const next = heldDial();
  const failing = throttle.run('x', () => Promise.reject(new Error('boom')));
  void throttle.run('y', next.job);
  assert.equal(await failing, false);
  await settled();
  assert.equal(next.started, true);
});

test('close refuses what waits and what comes later', async () => {
  const throttle = new DialThrottle({ perSecond: 1000, burst: 100, maxInFlight: 1, maxQueued: 5 });
  const running = heldDial();
  const first = throttle.run('a', running.job);
  const waiting = heldDial();
  const queued = throttle.run('b', waiting.job);
  throttle.close();
  assert.equal(await queued, false);
  assert.equal(await throttle.run('c', heldDial().job), false);
  running.finish(true);
  assert.equal(await first, true, 'a dial in flight finishes on its own');
  await settled();
  assert.equal(waiting.started, false);
});
