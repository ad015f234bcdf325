import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChunkTask } from '../../../src/transfer/chunk-planner.js';
import { ChunkScheduler, MAX_CHUNK_ATTEMPTS } from '../../../src/transfer/chunk-scheduler.js';
import { chunkTasks } from '../../support/chunk-tasks.js';

const CHUNK = 100;

/** One file of `count` chunks, the last one `last` bytes long. */
const tasks = (count: number, last = CHUNK): ChunkTask[] => chunkTasks(count, CHUNK, last);

test('two equal sources alternate and end balanced within one chunk (S14)', () => {
  const s = new ChunkScheduler(tasks(4, 40), ['b', 'c'], { inFlightPerSource: 1 });
  const bytes = { b: 0, c: 0 };
  const order: string[] = [];
  while (!s.done) {
    for (const source of ['b', 'c'] as const) {
      const task = s.next(source);
      if (task === undefined) continue;
      order.push(`${source}:${task.offset}`);
      s.succeeded(task, source);
      bytes[source] += task.length;
    }
  }
  assert.deepEqual(order, ['b:0', 'c:100', 'b:200', 'c:300']);
  assert.ok(Math.abs(bytes.b - bytes.c) <= CHUNK);
  assert.equal(s.bytesDone, 340);
  assert.equal(s.bytesTotal, 340);
  assert.equal(s.stuck, false);
});

test('a faster source takes more chunks', () => {
  const s = new ChunkScheduler(tasks(6), ['fast', 'slow'], { inFlightPerSource: 1 });
  const slowTask = s.next('slow');
  assert.ok(slowTask);
  let fast = 0;
  for (let task = s.next('fast'); task !== undefined; task = s.next('fast')) {
    s.succeeded(task, 'fast');
    fast++;
  }
  s.succeeded(slowTask, 'slow');
  assert.equal(fast, 5);
  assert.equal(s.done, true);
});

test('respects the in-flight limit per source', () => {
  const s = new ChunkScheduler(tasks(5), ['a'], { inFlightPerSource: 2 });
  const first = s.next('a');
  const second = s.next('a');
  assert.ok(first && second);
  assert.equal(s.next('a'), undefined);
  s.succeeded(first, 'a');
  assert.equal(s.next('a')?.offset, 2 * CHUNK);
  assert.equal(s.next('a'), undefined);
});

test('a failed task goes to the front of the queue and is taken by the other source', () => {
  const s = new ChunkScheduler(tasks(4), ['b', 'c'], { inFlightPerSource: 1 });
  const t0 = s.next('b');
  assert.ok(t0);
  s.failed(t0, 'b');
  // b may not retry it while c has not failed it, so b moves on.
  assert.equal(s.next('b')?.offset, CHUNK);
  assert.equal(s.next('c')?.key, t0.key);
  assert.equal(s.stuck, false);
});

test('a task every live source has failed is retried on them', () => {
  const s = new ChunkScheduler(tasks(1), ['b', 'c'], { inFlightPerSource: 1 });
  const t = s.next('b');
  assert.ok(t);
  s.failed(t, 'b');
  assert.equal(s.next('b'), undefined, 'c has not tried it yet');
  assert.equal(s.next('c')?.key, t.key);
  s.failed(t, 'c');
  assert.equal(s.next('b')?.key, t.key);
  s.succeeded(t, 'b');
  assert.equal(s.done, true);
});

test('a task failed on a dropped source is free for the others', () => {
  const s = new ChunkScheduler(tasks(2), ['b', 'c'], { inFlightPerSource: 1 });
  const t = s.next('c');
  assert.ok(t);
  s.dropSource('c');
  s.failed(t, 'c');
  assert.equal(s.next('b')?.key, t.key);
});

test('gives up after the attempt bound and is stuck', () => {
  const s = new ChunkScheduler(tasks(2), ['a'], { inFlightPerSource: 1 });
  for (let attempt = 1; attempt <= MAX_CHUNK_ATTEMPTS; attempt++) {
    assert.equal(s.stuck, false);
    const t = s.next('a');
    assert.equal(t?.offset, 0, `attempt ${attempt} retries the failed chunk first`);
    s.failed(t, 'a');
  }
  assert.equal(s.stuck, true);
  assert.equal(s.next('a'), undefined);
  assert.equal(s.done, false);
});

test('a task postponed by a busy source is no try: queued first, for any source, never given up', () => {
  const s = new ChunkScheduler(tasks(2), ['a', 'b'], { inFlightPerSource: 1 });
  for (let refusal = 0; refusal < 10 * MAX_CHUNK_ATTEMPTS; refusal++) {
    const t = s.next('a');
    assert.equal(t?.offset, 0, 'the postponed chunk comes back first');
    s.postpone(t, 'a');
  }
  assert.equal(s.stuck, false);
  const t = s.next('b');
  assert.equal(t?.offset, 0, 'the other source may take it, a busy one is not marked failed');
  s.failed(t, 'b');
  assert.equal(s.next('a')?.offset, 0, 'after a real failure elsewhere, the busy source takes it');
  assert.equal(s.stuck, false, 'one failed try of three');
});

test('dropping the sole source makes it stuck (S19)', () => {
  const s = new ChunkScheduler(tasks(3), ['a'], { inFlightPerSource: 2 });
  const t0 = s.next('a');
  const t1 = s.next('a');
  assert.ok(t0 && t1);
  s.succeeded(t0, 'a');
  s.dropSource('a');
  s.failed(t1, 'a');
  assert.equal(s.stuck, true);
  assert.equal(s.next('a'), undefined);
  assert.deepEqual(s.liveSources, []);
});

test('dropping one of two sources lets the other finish (S18, S49)', () => {
  const s = new ChunkScheduler(tasks(6), ['b', 'c'], { inFlightPerSource: 2 });
  const onC = [s.next('c'), s.next('c')];
  const onB = [s.next('b'), s.next('b')];
  s.dropSource('c');
  for (const t of onC) if (t) s.failed(t, 'c');
  assert.equal(s.next('c'), undefined);
  assert.deepEqual(s.liveSources, ['b']);
  const inFlight = onB.filter((t) => t !== undefined);
  while (inFlight.length > 0) {
    const t = inFlight.shift();
    if (t === undefined) break;
    s.succeeded(t, 'b');
    for (let n = s.next('b'); n !== undefined; n = s.next('b')) inFlight.push(n);
  }
  assert.equal(s.done, true);
  assert.equal(s.stuck, false);
  assert.equal(s.bytesDone, 6 * CHUNK);
});

test('a stray second report of a task does not count twice', () => {
  const s = new ChunkScheduler(tasks(2), ['a', 'b'], { inFlightPerSource: 1 });
  const t = s.next('a');
  assert.ok(t);
  s.succeeded(t, 'a');
  s.succeeded(t, 'a');
  s.failed(t, 'a');
  s.succeeded(t, 'b');
  assert.equal(s.bytesDone, CHUNK);
  assert.equal(s.done, false);
  assert.equal(s.next('b')?.offset, CHUNK);
});

test('no tasks (everything resumed) is done at once', () => {
  const s = new ChunkScheduler([], ['a'], { inFlightPerSource: 1 });
  assert.equal(s.done, true);
  assert.equal(s.stuck, false);
  assert.equal(s.next('a'), undefined);
});

test('an unknown source gets nothing', () => {
  const s = new ChunkScheduler(tasks(1), ['a'], { inFlightPerSource: 1 });
  assert.equal(s.next('zz' as 'a'), undefined);
});

/** A scheduler on a clock the test moves. */
function clocked(
  count: number,
  sources: string[],
): { s: ChunkScheduler<string>; at: (ms: number) => void } {
  let now = 0;
  const s = new ChunkScheduler(tasks(count), sources, { inFlightPerSource: 1, now: () => now });
  return { s, at: (ms) => (now = ms) };
}

test('at the tail an idle fast source takes over a chunk crawling on a slow one, once', () => {
  const { s, at } = clocked(3, ['fast', 'slow']);
  const first = s.next('fast');
  const crawling = s.next('slow');
  assert.ok(first && crawling);
  at(1_000);
  s.succeeded(first, 'fast'); // 100 bytes in 1 s
  const last = s.next('fast');
  assert.ok(last);
  at(2_000);
  s.succeeded(last, 'fast');
  s.progress(crawling, 'slow', 10); // 10 of 100 bytes in 2 s: 18 s to go, the fast one needs 1 s
  const taken = s.next('fast');
  assert.equal(taken?.key, crawling.key, 'the crawling chunk goes to the idle fast source');
  // The slow source's report comes too late to count; the chunk is the fast one's now.
  s.failed(crawling, 'slow');
  s.succeeded(crawling, 'slow');
  assert.equal(s.done, false);
  assert.equal(s.next('slow'), undefined, 'nothing left for the slow source');
  at(2_500);
  assert.equal(s.next('fast'), undefined, 'at its limit');
  s.succeeded(crawling, 'fast');
  assert.equal(s.done, true);
  assert.equal(s.bytesDone, 300);
});

test('no take-over while work is queued, before a pace is known, or for a chunk nearly done', () => {
  const { s, at } = clocked(4, ['fast', 'slow']);
  const a = s.next('fast');
  const crawling = s.next('slow');
  assert.ok(a && crawling);
  at(500);
  s.succeeded(a, 'fast');
  at(5_000);
  // Queued work comes first.
  const b = s.next('fast');
  assert.equal(b?.offset, 200);
  s.succeeded(b, 'fast');
  const c = s.next('fast');
  assert.equal(c?.offset, 300);
  s.succeeded(c, 'fast');
  // 95 of 100 bytes: 5 left at its pace (5000 ms for 95) is ~263 ms, under twice the fast one's.
  s.progress(crawling, 'slow', 95);
  assert.equal(s.next('fast'), undefined);
  // A source that never finished a chunk has no pace to compare.
  const fresh = clocked(2, ['idle', 'slow']);
  const held = fresh.s.next('slow');
  assert.ok(held);
  fresh.at(60_000);
  assert.ok(fresh.s.next('idle')?.key !== held.key);
});

test('a taken-over chunk is not taken again, and one held less than a second stays', () => {
  const { s, at } = clocked(3, ['a', 'b', 'c']);
  const ta = s.next('a');
  const tb = s.next('b');
  const tc = s.next('c');
  assert.ok(ta && tb && tc);
  at(100);
  s.succeeded(ta, 'a'); // 100 bytes in 100 ms
  at(900);
  assert.equal(s.next('a'), undefined, 'b and c have been at it under a second');
  at(1_500);
  const taken = s.next('a');
  assert.equal(taken?.key, tb.key, 'the first of the two crawling chunks');
  s.progress(taken, 'a', 1);
  at(10_000);
  s.succeeded(tc, 'c'); // c has a pace now, and a crawls on the chunk it took
  at(60_000);
  assert.equal(s.next('c'), undefined, 'the chunk moved once already');
  s.succeeded(taken, 'a');
  assert.equal(s.done, true);
});
