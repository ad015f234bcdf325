import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LanspreadError } from '../../../src/errors.js';
import type { PeerId } from '../../../src/ids.js';
import { ServeBudget, type ServeLimits } from '../../../src/transfer/serve-budget.js';

const A = 'a'.repeat(64) as PeerId;
const B = 'b'.repeat(64) as PeerId;
const C = 'c'.repeat(64) as PeerId;

const limit = { total: 3, perPeer: 2, strangers: 2, perStranger: 1 };
const LIMITS: ServeLimits = {
  spends: { connection: limit, request: limit, 'stream-job': limit, 'manifest-job': limit },
  sendStallMs: 1_000,
  queueWaitMs: 60_000,
  closingRefused: 2,
};

const overBudget = (err: unknown): boolean =>
  err instanceof LanspreadError && err.code === 'serve-over-budget';

test('a stranger gets its own small share, strangers together a small pool', () => {
  const budget = new ServeBudget(LIMITS);
  budget.take('request', A, true);
  assert.throws(() => budget.take('request', A, true), /identity without a session/);
  budget.take('request', B, true);
  assert.throws(() => budget.take('request', C, true), /identities without a session/);
  assert.equal(budget.held('request'), 2);
  assert.equal(budget.held('connection'), 0, 'each spend is counted on its own');
});

test('a peer with a session gets a larger share, and the total bounds everyone', () => {
  const budget = new ServeBudget(LIMITS);
  budget.take('request', A, false);
  budget.take('request', A, false);
  assert.throws(() => budget.take('request', A, false), overBudget);
  budget.take('request', B, false);
  assert.throws(() => budget.take('request', C, false), /in total/);
  assert.throws(() => budget.take('request', C, true), overBudget);
});

test('a release gives the slot back once, however often it is called', () => {
  const budget = new ServeBudget(LIMITS);
  const release = budget.take('stream-job', A, true);
  release();
  release();
  assert.equal(budget.held('stream-job'), 0);
  budget.take('stream-job', A, true);
  budget.take('stream-job', B, false);
  assert.equal(
    budget.held('stream-job'),
    2,
    'a second release did not free a slot it no longer held',
  );
});

test('a peer with a session over the total waits its turn; a stranger is refused at once', async () => {
  const budget = new ServeBudget(LIMITS);
  const releases = [budget.take('request', A, false), budget.take('request', A, false)];
  releases.push(budget.take('request', B, false));
  const signal = new AbortController().signal;
  await assert.rejects(budget.acquire('request', C, true, signal), overBudget);
  const first = budget.acquire('request', B, false, signal);
  const second = budget.acquire('request', C, false, signal);
  releases[0]?.();
  const order: string[] = [];
  void first.then(() => order.push('B'));
  void second.then(() => order.push('C'));
  await first;
  assert.deepEqual(order, ['B'], 'one slot freed, one waiter served');
  assert.equal(budget.held('request'), 3);
  assert.throws(() => budget.take('request', C, true), /in total|without a session/);
  releases[1]?.();
  await second;
  assert.deepEqual(order, ['B', 'C'], 'first come, first served');
});

test('a peer with a session over its own share waits for one of its slots; others pass it', async () => {
  const budget = new ServeBudget({
    ...LIMITS,
    spends: { ...LIMITS.spends, request: { ...limit, total: 9 } },
  });
  const mine = [budget.take('request', A, false), budget.take('request', A, false)];
  const signal = new AbortController().signal;
  const waiting = budget.acquire('request', A, false, signal);
  let served = false;
  void waiting.then(() => (served = true));
  // B is not behind A's waiter: the waiter waits for A's share, not for the total.
  budget.take('request', B, false);
  await budget.acquire('request', C, false, signal);
  assert.equal(served, false, 'no slot of its own was free yet');
  assert.equal(budget.waiting('request'), 1);
  mine[0]?.();
  await waiting;
  assert.equal(budget.waiting('request'), 0);
  assert.equal(budget.held('request'), 4);
});

test('a peer waits with at most its share of requests; the rest are refused', async () => {
  const budget = new ServeBudget(LIMITS);
  budget.take('request', A, false);
  budget.take('request', A, false);
  const stop = new AbortController();
  const waiters = [
    budget.acquire('request', A, false, stop.signal),
    budget.acquire('request', A, false, stop.signal),
  ];
  await assert.rejects(budget.acquire('request', A, false, stop.signal), /waiting ones included/);
  assert.equal(budget.waiting('request'), 2);
  stop.abort(new Error('connection closed'));
  for (const waiter of waiters) await assert.rejects(waiter, /connection closed/);
  assert.equal(budget.waiting('request'), 0);
});

test('a waiter is refused serve-over-budget after waiting queueWaitMs, and leaves the line', async () => {
  const budget = new ServeBudget({ ...LIMITS, queueWaitMs: 50 });
  const release = budget.take('request', A, false);
  budget.take('request', A, false);
  const started = Date.now();
  await assert.rejects(
    budget.acquire('request', A, false, new AbortController().signal),
    /waited 0.05 s in line/,
  );
  assert.ok(Date.now() - started >= 45, 'not refused before its time');
  assert.equal(budget.waiting('request'), 0);
  release();
  assert.equal(budget.held('request'), 1, 'the freed slot went to no one');
});

test('a waiter that gives up leaves the queue and holds nothing', async () => {
  const budget = new ServeBudget({
    ...LIMITS,
    spends: { ...LIMITS.spends, request: { ...limit, total: 1 } },
  });
  const release = budget.take('request', A, false);
  const stop = new AbortController();
  const waiting = budget.acquire('request', B, false, stop.signal);
  stop.abort(new Error('connection closed'));
  await assert.rejects(waiting, /connection closed/);
  release();
  assert.equal(budget.held('request'), 0, 'the freed slot went to no one');
  budget.take('request', B, false);
});

test('refused connections close gracefully only up to their cap, each slot given back once', () => {
  const budget = new ServeBudget(LIMITS);
  const first = budget.closeRefused();
  const second = budget.closeRefused();
  assert.ok(first !== null && second !== null);
  assert.equal(budget.closeRefused(), null, 'a third is dropped at once');
  first();
  first();
  const third = budget.closeRefused();
  assert.ok(third !== null, 'a freed slot is reused');
  assert.equal(budget.closeRefused(), null, 'releasing twice freed one slot only');
});
