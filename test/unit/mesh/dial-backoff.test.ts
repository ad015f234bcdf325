import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DialBackoff } from '../../../src/mesh/dial-backoff.js';

test('delays double per failure up to 30 s, per address, and a success resets them', () => {
  const backoff = new DialBackoff();
  assert.equal(backoff.allowed('a', 0), true);
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7].map(() => backoff.failed('a', 0)),
    [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000],
  );
  assert.equal(backoff.allowed('a', 29_999), false);
  assert.equal(backoff.allowed('a', 30_000), true);
  assert.equal(backoff.allowed('b', 0), true, 'another address is not held back');
  backoff.succeeded('a');
  assert.equal(backoff.allowed('a', 0), true);
  assert.equal(backoff.failed('a', 0), 1_000);
});
