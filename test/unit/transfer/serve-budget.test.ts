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
  await assert.rejects(
    budget.acquire('request', B, false, signal),
    overBudget,
    'a waiter counts against its own share',
  );
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

test('a waiter that gives up leaves the queue and holds nothing', async () => {
  const budget = new ServeBudget({
    spends: { ...LIMITS.spends, request: { ...limit, total: 1 } },
    sendStallMs: 1_000,
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
