import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseByteRange } from '../../../src/web/byte-range.js';

test('a single range is clamped to the file', () => {
  assert.deepEqual(parseByteRange('bytes=0-9', 100), { kind: 'part', start: 0, end: 9 });
  assert.deepEqual(parseByteRange('bytes=90-200', 100), { kind: 'part', start: 90, end: 99 });
  assert.deepEqual(parseByteRange('bytes=40-', 100), { kind: 'part', start: 40, end: 99 });
  assert.deepEqual(parseByteRange('bytes=-10', 100), { kind: 'part', start: 90, end: 99 });
  assert.deepEqual(parseByteRange('bytes=-500', 100), { kind: 'part', start: 0, end: 99 });
});

test('a range past the end, or an empty suffix, cannot be satisfied', () => {
  for (const header of ['bytes=100-', 'bytes=100-200', 'bytes=-0']) {
    assert.deepEqual(parseByteRange(header, 100), { kind: 'unsatisfiable' }, header);
  }
  assert.deepEqual(parseByteRange('bytes=-5', 0), { kind: 'unsatisfiable' });
});

test('no header, another unit, several ranges or nonsense mean the whole file', () => {
  for (const header of [
    undefined,
    'items=0-1',
    'bytes=0-1,4-5',
    'bytes=-',
    'bytes=9-3',
    'bytes=a-b',
    'bytes 0-1',
  ]) {
    assert.deepEqual(parseByteRange(header, 100), { kind: 'whole' }, String(header));
  }
});
