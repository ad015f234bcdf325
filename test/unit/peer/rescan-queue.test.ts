import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serialCoalesced } from '../../../src/peer/rescan-queue.js';

/** A task whose runs the test finishes by hand, recording overlap. */
function manualTask(): {
  task: () => Promise<void>;
  runs: { finish: (err?: Error) => void }[];
  maxActive: () => number;
} {
  const runs: { finish: (err?: Error) => void }[] = [];
  let active = 0;
  let max = 0;
  const task = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      active++;
      max = Math.max(max, active);
      runs.push({
        finish: (err) => {
          active--;
          if (err === undefined) resolve();
          else reject(err);
        },
      });
    });
  return { task, runs, maxActive: () => max };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('calls while a run is in progress share exactly one more run, never overlapping', async () => {
  const { task, runs, maxActive } = manualTask();
  const request = serialCoalesced(task);
  const first = request();
  await tick();
  assert.equal(runs.length, 1);
  const during = [request(), request(), request()];
  assert.ok(
    during.every((p) => p === during[0]),
    'the calls share one queued run',
  );
  assert.notEqual(during[0], first);
  runs[0]!.finish();
  await first;
  await tick();
  assert.equal(runs.length, 2, 'one more run after the first');
  runs[1]!.finish();
  await Promise.all(during);
  await tick();
  assert.equal(runs.length, 2, 'and no third');
  assert.equal(maxActive(), 1);
});

test('a failed run rejects its callers and does not stop the next', async () => {
  const { task, runs } = manualTask();
  const request = serialCoalesced(task);
  const first = request();
  await tick();
  const second = request();
  runs[0]!.finish(new Error('games folder gone'));
  await assert.rejects(first, /games folder gone/);
  await tick();
  assert.equal(runs.length, 2);
  runs[1]!.finish();
  await second;
});
