import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FrameBudget,
  UNCOUNTED_FRAME_BYTES,
  type BudgetHolder,
} from '../../../src/net/frame-budget.js';

const MIB = 1024 * 1024;

/** A holder that records its eviction, and the budget's total as it saw it then. */
function holder(budget: FrameBudget, log: string[], name: string): BudgetHolder {
  return {
    evict: () => {
      log.push(`${name} evicted, ${budget.heldBytes / MIB} MiB held`);
    },
  };
}

test('frames up to the uncounted size take nothing from the budget', () => {
  const budget = new FrameBudget(MIB);
  const log: string[] = [];
  for (let i = 0; i < 100; i++)
    assert.equal(budget.reserve(holder(budget, log, `h${i}`), UNCOUNTED_FRAME_BYTES), true);
  assert.equal(budget.heldBytes, 0);
  assert.deepEqual(log, []);
});

test('reservations add up to the total; a release gives its room back, once', () => {
  const budget = new FrameBudget(4 * MIB);
  const log: string[] = [];
  const a = holder(budget, log, 'a');
  assert.equal(budget.reserve(a, 2 * MIB), true);
  assert.equal(budget.reserve(holder(budget, log, 'b'), 2 * MIB), true);
  assert.equal(budget.heldBytes, 4 * MIB);
  budget.release(a);
  budget.release(a);
  assert.equal(budget.heldBytes, 2 * MIB);
  // A holder's next frame replaces its last one.
  const c = holder(budget, log, 'c');
  budget.reserve(c, MIB);
  budget.reserve(c, 2 * MIB);
  assert.equal(budget.heldBytes, 4 * MIB);
  assert.deepEqual(log, []);
});

test('past the total, the largest frames and among them the oldest are evicted to make room', () => {
  const budget = new FrameBudget(10 * MIB);
  const log: string[] = [];
  budget.reserve(holder(budget, log, 'small'), MIB);
  budget.reserve(holder(budget, log, 'big-old'), 3 * MIB);
  budget.reserve(holder(budget, log, 'big-new'), 3 * MIB);
  budget.reserve(holder(budget, log, 'middle'), 2 * MIB);
  // 9 MiB held; 3 MiB more needs one 3 MiB frame gone: the oldest of the largest.
  assert.equal(budget.reserve(holder(budget, log, 'newcomer'), 3 * MIB), true);
  assert.deepEqual(log, ['big-old evicted, 6 MiB held']);
  assert.equal(budget.heldBytes, 9 * MIB);
});

test('a newcomer never evicts smaller frames: it is the one refused', () => {
  const budget = new FrameBudget(4 * MIB);
  const log: string[] = [];
  for (let i = 0; i < 4; i++) budget.reserve(holder(budget, log, `h${i}`), MIB);
  assert.equal(budget.reserve(holder(budget, log, 'large'), 2 * MIB), false);
  assert.deepEqual(log, []);
  assert.equal(budget.heldBytes, 4 * MIB);
  // One as large as the held frames evicts the oldest of them.
  assert.equal(budget.reserve(holder(budget, log, 'same'), MIB), true);
  assert.deepEqual(log, ['h0 evicted, 3 MiB held']);
});

test('when the larger frames together cannot make room, none is evicted', () => {
  const budget = new FrameBudget(4 * MIB);
  const log: string[] = [];
  budget.reserve(holder(budget, log, 'small'), 2 * MIB);
  budget.reserve(holder(budget, log, 'large'), 2 * MIB);
  // 3.5 MiB would need the large one gone and half the small one: refused, nothing evicted.
  assert.equal(budget.reserve(holder(budget, log, 'huge'), 3.5 * MIB), false);
  assert.deepEqual(log, []);
});
