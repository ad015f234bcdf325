import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedRateLimit, TokenBucket } from '../../../src/net/rate-limit.js';

test('a bucket gives its burst, then one token per refill time, and says when the next comes', () => {
  const bucket = new TokenBucket({ burst: 2, refillMs: 100 }, 0);
  assert.deepEqual(
    [0, 0, 0].map((now) => bucket.take(now)),
    [true, true, false],
  );
  assert.equal(bucket.msUntilToken(30), 70);
  assert.equal(bucket.full(30), false);
  assert.equal(bucket.take(99), false);
  assert.equal(bucket.take(100), true);
  assert.equal(bucket.msUntilToken(100), 100);
  assert.equal(bucket.full(10_000), true, 'it refills up to the burst, not beyond');
  assert.deepEqual(
    [0, 0, 0].map(() => bucket.take(10_000)),
    [true, true, false],
  );
});

test('allows a burst per key, then one per refill time', () => {
  const limit = new KeyedRateLimit({ burst: 2, refillMs: 1000 });
  assert.deepEqual(
    [0, 1, 2].map(() => limit.take('x', 0)),
    [true, true, false],
  );
  assert.equal(limit.take('y', 0), true, 'keys are independent');
  assert.equal(limit.take('x', 500), false);
  assert.equal(limit.take('x', 1000), true);
  assert.equal(limit.take('x', 1100), false);
});

test('a spray of fresh keys cannot push a spent key out and so give it a fresh burst', () => {
  const limit = new KeyedRateLimit({ burst: 1, refillMs: 60_000, maxKeys: 2 });
  assert.equal(limit.take('a', 0), true);
  assert.equal(limit.take('b', 0), true);
  // Beyond maxKeys, 10,000 fresh keys share one overflow bucket: one token among them.
  const passed = Array.from({ length: 10_000 }, (_, i) => limit.take(`spray${i}`, 1)).filter(
    Boolean,
  ).length;
  assert.equal(passed, 1);
  assert.equal(limit.take('a', 2), false, 'a is still known and has no token');
  assert.equal(limit.take('b', 2), false);
});

test('full buckets are forgotten to make room, which gives nothing away', () => {
  const limit = new KeyedRateLimit({ burst: 1, refillMs: 1000, maxKeys: 2 });
  limit.take('a', 0);
  limit.take('b', 0);
  assert.equal(limit.take('c', 500), true, 'the overflow bucket');
  assert.equal(limit.take('d', 500), false, 'the overflow bucket is spent');
  // At 1000 a and b are full again: forgotten, they make room for c and d.
  assert.equal(limit.take('c', 1000), true);
  assert.equal(limit.take('d', 1000), true);
  assert.equal(limit.take('c', 1001), false, 'c has a bucket of its own now');
  assert.equal(limit.take('a', 1001), false, 'no room for a: it shares the spent overflow');
});

test('spending past the tokens runs up a debt, paid back at the refill rate', () => {
  const bucket = new TokenBucket({ burst: 4, refillMs: 100 }, 0);
  assert.equal(bucket.spend(0, 3), 0);
  assert.equal(bucket.spend(0, 3), 200, 'two tokens short: 200 ms');
  assert.equal(bucket.take(100), false, 'one token of the debt paid, one left');
  assert.equal(bucket.spend(200, 0), 0);
  assert.equal(bucket.take(300), true);
});
