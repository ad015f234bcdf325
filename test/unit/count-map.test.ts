import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addCount } from '../../src/count-map.js';

test('counts go up and down, and a key back at zero is dropped', () => {
  const counts = new Map<string, number>();
  addCount(counts, 'a', 1);
  addCount(counts, 'a', 1);
  addCount(counts, 'b', 1);
  assert.deepEqual(
    [...counts],
    [
      ['a', 2],
      ['b', 1],
    ],
  );
  addCount(counts, 'a', -2);
  assert.deepEqual([...counts], [['b', 1]]);
});
