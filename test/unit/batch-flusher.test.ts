import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { BatchFlusher } from '../../src/batch-flusher.js';

test('a burst of changes gives one flush, within the delay of the first', async () => {
  let due = 0;
  const flusher = new BatchFlusher(40, () => due++);
  flusher.soon();
  await sleep(20);
  flusher.soon();
  flusher.soon();
  await sleep(35); // 55 ms after the first change: due, though the last came 35 ms ago
  assert.equal(due, 1);
  await sleep(60);
  assert.equal(due, 1, 'no second flush without a new change');
});

test('writing at once takes the pending batch with it', async () => {
  let due = 0;
  const flusher = new BatchFlusher(20, () => due++);
  flusher.soon();
  assert.equal(await flusher.run(() => Promise.resolve('written')), 'written');
  await sleep(40);
  assert.equal(due, 0);
});

test('writes land in the order they were asked for; a failed one stops none after it', async () => {
  const flusher = new BatchFlusher(1000, () => undefined);
  const landed: string[] = [];
  const slow = flusher.run(async () => {
    await sleep(30);
    landed.push('older');
  });
  const failing = flusher.run(() => Promise.reject(new Error('disk full')));
  const fast = flusher.run(async () => {
    landed.push('newer');
  });
  await assert.rejects(failing, /disk full/);
  await Promise.all([slow, fast]);
  assert.deepEqual(landed, ['older', 'newer']);
  await flusher.settled();
});

test('settled waits for the write in flight', async () => {
  const flusher = new BatchFlusher(1000, () => undefined);
  let done = false;
  void flusher.run(async () => {
    await sleep(20);
    done = true;
  });
  await flusher.settled();
  assert.equal(done, true);
});
