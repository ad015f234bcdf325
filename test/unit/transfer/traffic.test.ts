import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PeerId } from '../../../src/ids.js';
import { MAX_TRAFFIC_PEERS, Traffic } from '../../../src/transfer/traffic.js';

const id = (n: number) => `p${n}` as PeerId;

test('counts bytes in all and per peer', () => {
  const traffic = new Traffic();
  traffic.sent(id(1), 10);
  traffic.received(id(1), 5);
  traffic.received(id(2), 7);
  assert.equal(traffic.sentBytes, 10);
  assert.equal(traffic.receivedBytes, 12);
  assert.deepEqual(traffic.peer(id(1)), { sentBytes: 10, receivedBytes: 5 });
  assert.deepEqual(traffic.peer(id(3)), { sentBytes: 0, receivedBytes: 0 });
});

test('forgets the peer counted least recently beyond its bound, never the totals', () => {
  const traffic = new Traffic();
  for (let n = 0; n <= MAX_TRAFFIC_PEERS; n++) traffic.received(id(n), 1);
  assert.deepEqual(traffic.peer(id(0)), { sentBytes: 0, receivedBytes: 0 });
  assert.deepEqual(traffic.peer(id(1)), { sentBytes: 0, receivedBytes: 1 });
  assert.equal(traffic.receivedBytes, MAX_TRAFFIC_PEERS + 1);
});
