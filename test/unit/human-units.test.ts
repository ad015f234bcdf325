import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAge, formatBytes, formatDuration, formatRate } from '../../src/human-units.js';

test('sizes keep three significant digits in binary units', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1024), '1.00 KiB');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(12.34 * 1048576), '12.3 MiB');
  assert.equal(formatBytes(250 * 1024 ** 3), '250 GiB');
  assert.equal(formatBytes(2.6 * 1024 ** 3), '2.60 GiB');
  assert.equal(formatBytes(1024 ** 6), '1.00 EiB');
});

test('a size that rounds to four digits moves up a unit instead', () => {
  assert.equal(formatBytes(1023.9 * 1024), '1.00 MiB');
  assert.equal(formatBytes(999.4 * 1048576), '999 MiB');
});

test('nonsense sizes read as unknown', () => {
  assert.equal(formatBytes(Number.NaN), '?');
  assert.equal(formatBytes(-1), '?');
});

test('speeds are sizes per second', () => {
  assert.equal(formatRate(85.3 * 1048576), '85.3 MiB/s');
});

test('durations read as a clock, unknown beyond 99 hours', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(7.4), '0:07');
  assert.equal(formatDuration(125), '2:05');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(Infinity), '?');
  assert.equal(formatDuration(100 * 3600), '?');
});

test('ages say how long ago in the largest whole unit', () => {
  assert.equal(formatAge(500), 'just now');
  assert.equal(formatAge(12_000), '12 s ago');
  assert.equal(formatAge(3 * 60_000 + 5_000), '3 min ago');
  assert.equal(formatAge(2 * 3_600_000), '2 h ago');
  assert.equal(formatAge(4 * 86_400_000), '4 d ago');
  assert.equal(formatAge(-3000), 'just now', 'a clock a little ahead is not the future');
});
