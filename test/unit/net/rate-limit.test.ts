import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedRateLimit } from '../../../src/net/rate-limit.js';

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

test('keeps at most maxKeys, forgetting the least recently used', () => {
  const limit = new KeyedRateLimit({ burst: 1, refillMs: 60_000, maxKeys: 2 });
  limit.take('a', 0);
  limit.take('b', 0);
  limit.take('c', 0);
  assert.equal(limit.take('b', 1), false, 'b is still known and has no token');
  assert.equal(limit.take('a', 1), true, 'a was forgotten, so it starts afresh');
});
