import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PeerId, SoftwareVersion } from '../../../src/ids.js';
import { MAX_UNREACHED_PEERS } from '../../../src/mesh/index.js';
import { UnreachedPeers } from '../../../src/mesh/unreached-peers.js';

const id = (n: number) => `p${n}` as PeerId;
const seen = (nowMs: number, error = 'connect ETIMEDOUT', software: string | null = null) => ({
  addr: '10.0.0.2:47620',
  via: 'beacon',
  software: software as SoftwareVersion | null,
  error,
  nowMs,
});

test('keeps the last failure of each peer, most recent first, until it is reached', () => {
  const peers = new UnreachedPeers();
  peers.failed(id(1), seen(1));
  peers.failed(id(2), seen(2, 'connect ETIMEDOUT', '0.1.0'));
  peers.failed(id(1), seen(3, 'connect ECONNREFUSED', '0.2.0'));
  assert.deepEqual(
    peers.list().map((p) => [p.peerId, p.failures, p.error, p.software, p.lastFailedMs]),
    [
      [id(1), 2, 'connect ECONNREFUSED', '0.2.0', 3],
      [id(2), 1, 'connect ETIMEDOUT', '0.1.0', 2],
    ],
  );
  peers.reached(id(1));
  assert.deepEqual(
    peers.list().map((p) => p.peerId),
    [id(2)],
  );
});

test('holds at most MAX_UNREACHED_PEERS, the one failed longest ago going first', () => {
  const peers = new UnreachedPeers();
  for (let n = 0; n <= MAX_UNREACHED_PEERS; n++) peers.failed(id(n), seen(n));
  const list = peers.list();
  assert.equal(list.length, MAX_UNREACHED_PEERS);
  assert.equal(list.at(-1)?.peerId, id(1));
});
