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

test('an entry is forgotten 60 s after its last failure, and then starts again at 1 s', () => {
  const backoff = new DialBackoff();
  for (let i = 0; i < 6; i++) backoff.failed('a', 0);
  backoff.failed('b', 50_000);
  assert.equal(backoff.allowed('a', 59_999), true, 'its 30 s delay is over');
  assert.equal(backoff.size, 2, 'but it is still remembered');
  assert.equal(backoff.allowed('c', 60_000), true);
  assert.equal(backoff.size, 1, 'a is forgotten; b failed later and stays');
  assert.equal(backoff.failed('a', 60_000), 1_000);
  assert.equal(backoff.allowed('b', 50_999), false);
});

test('holds at most maxEntries, dropping the one that failed longest ago', () => {
  const backoff = new DialBackoff(3);
  for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) backoff.failed(key, i);
  assert.equal(backoff.size, 3);
  assert.equal(backoff.allowed('a', 10), true, 'a was dropped');
  assert.equal(backoff.allowed('b', 10), false);
  // A new failure of b makes it the newest: e goes in, c goes out.
  backoff.failed('b', 20);
  backoff.failed('e', 20);
  assert.deepEqual(
    ['b', 'c', 'd', 'e'].map((key) => backoff.allowed(key, 30)),
    [false, true, false, false],
  );
});
