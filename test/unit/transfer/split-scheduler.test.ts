import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChunkTask } from '../../../src/transfer/chunk-planner.js';
import {
  ChunkScheduler,
  MAX_CHUNK_ATTEMPTS,
  SPLIT_ALIGN,
} from '../../../src/transfer/chunk-scheduler.js';
import { chunkTasks } from '../../support/chunk-tasks.js';

const MIB = 1024 * 1024;
const CHUNK = 32 * MIB;

const tasks = (count: number, last = CHUNK): ChunkTask[] => chunkTasks(count, CHUNK, last);

/** A scheduler on a clock the test moves. */
function scheduler(
  count: number,
  sources: string[],
  opts: { last?: number; inFlightPerSource?: number } = {},
): { s: ChunkScheduler<string>; clock: { now: number } } {
  const clock = { now: 0 };
  const s = new ChunkScheduler(tasks(count, opts.last), sources, {
    inFlightPerSource: opts.inFlightPerSource ?? 1,
    now: () => clock.now,
  });
  return { s, clock };
}

test('an idle source takes the tail of the last chunk in flight, cut on a 1 MiB boundary', () => {
  const { s, clock } = scheduler(1, ['a', 'b']);
  const task = s.next('a');
  assert.ok(task);
  assert.equal(s.next('b'), undefined, 'nothing queued');
  clock.now = 100;
  s.progress(task, 'a', 3 * MIB + 5);
  const tail = s.takeTail('b');
  assert.ok(tail);
  assert.equal(tail.task.key, task.key);
  // No pace for b yet: the rest is shared equally, rounded up to a whole block.
  assert.equal(tail.from, Math.ceil((3 * MIB + 5 + (CHUNK - 3 * MIB - 5) / 2) / SPLIT_ALIGN) * MIB);
  assert.equal(tail.to, CHUNK);
  assert.equal(s.isSplit(task), true);
  assert.equal(s.end(task, 'a'), tail.from, "a's fetch now ends where b's begins");
  assert.equal(s.end(task, 'b'), CHUNK);
  assert.equal(s.takeTail('b'), undefined, 'b is at its in-flight limit');
});

test('the cut follows the paces: a source twice as fast takes two thirds of what is left', () => {
  const { s, clock } = scheduler(3, ['a', 'b']);
  // b's pace: one chunk in 1000 ms.
  const first = s.next('b');
  assert.ok(first);
  clock.now = 1000;
  s.progress(first, 'b', CHUNK);
  s.succeeded(first, 'b');
  const slow = s.next('a');
  assert.ok(slow);
  const other = s.next('b');
  assert.ok(other);
  s.progress(other, 'b', CHUNK);
  clock.now = 2000;
  s.succeeded(other, 'b');
  // a has sent 16 MiB in 1000 ms (half b's pace), 16 MiB are left.
  s.progress(slow, 'a', 16 * MIB);
  const tail = s.takeTail('b');
  assert.ok(tail);
  assert.equal(tail.from, 16 * MIB + Math.ceil(16 / 3) * MIB);
});

test('a crawling holder of a whole chunk is left to a hand-over; of a part, it is stopped', () => {
  const { s, clock } = scheduler(2, ['a', 'b', 'c']);
  const done = s.next('b');
  assert.ok(done);
  clock.now = 100;
  s.progress(done, 'b', CHUNK);
  s.succeeded(done, 'b');
  const task = s.next('a');
  assert.ok(task);
  const tail = s.takeTail('c');
  assert.equal(tail?.from, 16 * MIB, 'no paces known: equal shares');
  s.progress(task, 'a', 13 * MIB);
  s.progress(task, 'c', 14 * MIB);
  clock.now = 200;
  assert.equal(
    s.takeTail('b'),
    undefined,
    'tails of 3 and 2 MiB: too short, and a and c are quick',
  );
  clock.now = 60_000;
  const rest = s.takeTail('b');
  assert.ok(rest, 'a has crawled for a minute');
  assert.deepEqual([rest.from, rest.to, rest.takesOver], [0, 16 * MIB, true], "a's part, whole");
  assert.equal(s.end(task, 'b'), 16 * MIB);
  assert.equal(s.partDone(task, 'a'), false, "a's report of the part it lost is ignored");
  assert.equal(s.partDone(task, 'b'), false);
  assert.equal(s.partDone(task, 'c'), true);

  const whole = scheduler(2, ['a', 'b']);
  const first = whole.s.next('b');
  assert.ok(first);
  whole.clock.now = 100;
  whole.s.progress(first, 'b', CHUNK);
  whole.s.succeeded(first, 'b');
  const crawler = whole.s.next('a');
  assert.ok(crawler);
  whole.s.progress(crawler, 'a', MIB);
  whole.clock.now = 60_000;
  assert.equal(whole.s.takeTail('b'), undefined);
  assert.equal(whole.s.next('b')?.key, crawler.key, 'handed over whole');
});

test('a split chunk is done once every part is written and its hash passed', () => {
  const { s, clock } = scheduler(1, ['a', 'b', 'c']);
  const task = s.next('a');
  assert.ok(task);
  clock.now = 10;
  s.progress(task, 'a', MIB);
  const b = s.takeTail('b');
  assert.ok(b);
  clock.now = 20;
  s.progress(task, 'a', MIB);
  s.progress(task, 'b', 4 * MIB);
  // a needs 14 MiB at 0.1 MiB/ms, b 12 MiB at 0.4 MiB/ms: c splits a's part.
  const c = s.takeTail('c');
  assert.ok(c, 'a part can be split again');
  assert.ok(c.to === b.from && c.from < b.from);
  assert.equal(s.end(task, 'a'), c.from);
  assert.equal(s.partDone(task, 'c'), false);
  assert.equal(s.partDone(task, 'b'), false);
  assert.equal(s.done, false);
  assert.equal(s.stuck, false);
  assert.equal(s.partDone(task, 'a'), true, 'the last part');
  assert.deepEqual(
    s.splitChecked(task, true).map((p) => [p.source, p.from, p.to]),
    [
      ['a', 0, c.from],
      ['c', c.from, b.from],
      ['b', b.from, CHUNK],
    ],
  );
  assert.equal(s.done, true);
  assert.equal(s.bytesDone, CHUNK);
});

test('a split chunk that fails its hash is fetched again whole, and never split again', () => {
  const { s, clock } = scheduler(1, ['a', 'b']);
  const task = s.next('a');
  assert.ok(task);
  clock.now = 10;
  assert.ok(s.takeTail('b'));
  s.partDone(task, 'a');
  assert.equal(s.partDone(task, 'b'), true);
  s.splitChecked(task, false);
  assert.equal(s.isSplit(task), false);
  assert.equal(s.done, false);
  const again = s.next('b');
  assert.equal(again?.key, task.key, 'back in the queue, neither source blamed');
  assert.equal(s.takeTail('a'), undefined, 'not split a second time');
  s.succeeded(task, 'b');
  assert.equal(s.done, true);
});

test('a part whose source fails is taken whole by the next idle source', () => {
  const { s, clock } = scheduler(1, ['a', 'b', 'c']);
  const task = s.next('a');
  assert.ok(task);
  clock.now = 10;
  const tail = s.takeTail('b');
  assert.ok(tail);
  s.progress(task, 'b', 2 * MIB);
  s.failed(task, 'b');
  assert.equal(s.stuck, false);
  const again = s.takeTail('c');
  assert.deepEqual(again && [again.from, again.to], [tail.from, tail.to]);
  assert.equal(s.partDone(task, 'a'), false);
  assert.equal(s.partDone(task, 'c'), true);
});

test('a split chunk whose parts failed too often gives the download up', () => {
  const { s, clock } = scheduler(1, ['a', 'b', 'c']);
  const task = s.next('a');
  assert.ok(task);
  clock.now = 10;
  assert.ok(s.takeTail('b'));
  s.failed(task, 'b');
  assert.equal(s.takeTail('b'), undefined, 'b failed it; c has not');
  assert.ok(s.takeTail('c'));
  assert.equal(MAX_CHUNK_ATTEMPTS, 3);
  assert.equal(s.stuck, false);
  s.failed(task, 'c');
  assert.equal(s.stuck, true, 'the third try of the chunk failed');
});

test('a part left by its source, with no live source holding the chunk, leaves the download stuck', () => {
  const { s, clock } = scheduler(1, ['a', 'b']);
  const task = s.next('a');
  assert.ok(task);
  clock.now = 10;
  assert.ok(s.takeTail('b'));
  // A partial source that does not hold the chunk: alive, but of no use for it.
  s.setHolding('p', new Set());
  assert.equal(s.partDone(task, 'b'), false, "b's part is written");
  s.dropSource('b');
  assert.equal(s.stuck, false, 'a still fetches its part');
  s.dropSource('a');
  s.failed(task, 'a');
  assert.equal(s.stuck, true, "nobody left can fetch a's part");
});

test('while partial sources take part, nothing new is split; a part left by its source is taken', () => {
  const { s, clock } = scheduler(2, ['a', 'b', 'c']);
  const [k0, k1] = tasks(2).map((t) => t.key);
  const first = s.next('a');
  assert.equal(first?.key, k0);
  assert.ok(first);
  clock.now = 10;
  const tail = s.takeTail('b');
  assert.ok(tail, 'no swarm yet: b takes the tail of the first chunk');
  assert.equal(s.next('c')?.key, k1);
  s.setHolding('p', new Set([k0!, k1!]));
  s.failed(first, 'b');
  const left = s.takeTail('p');
  assert.deepEqual(left && [left.task.key, left.from, left.to], [k0, tail.from, tail.to]);
  assert.equal(s.takeTail('b'), undefined, 'no new split in a swarm');
});

test('a short last chunk splits too, its tail ending at its length', () => {
  const { s, clock } = scheduler(1, ['a', 'b'], { last: 20 * MIB + 123 });
  const task = s.next('a');
  assert.ok(task);
  clock.now = 10;
  const tail = s.takeTail('b');
  assert.ok(tail);
  assert.equal(tail.from % SPLIT_ALIGN, 0);
  assert.equal(tail.to, 20 * MIB + 123);
});

test('with its pace known, a source takes tails down to MIN_SPLIT_MS of its own sending', () => {
  const { s, clock } = scheduler(2, ['a', 'b']);
  const done = s.next('b');
  assert.ok(done);
  clock.now = 1000;
  // b: 32 MiB a second, so 50 ms is 1.6 MiB.
  s.progress(done, 'b', CHUNK);
  s.succeeded(done, 'b');
  const task = s.next('a');
  assert.ok(task);
  clock.now = 1500;
  s.progress(task, 'a', 25 * MIB);
  // 7 MiB left, a at 50 MiB/s against b's 32: b takes the last 2 (a whole block each side).
  const tail = s.takeTail('b');
  assert.deepEqual(tail && [tail.from, tail.to], [30 * MIB, CHUNK]);
  const again = scheduler(2, ['a', 'b']);
  const first = again.s.next('a');
  assert.ok(first);
  again.clock.now = 500;
  again.s.progress(first, 'a', 27 * MIB);
  assert.equal(
    again.s.takeTail('b'),
    undefined,
    'no pace: a tail under MIN_SPLIT_BYTES is not worth it',
  );
});
