import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CandidateDedupe, type DiscoveryCandidate } from '../../../src/discovery/candidate.js';
import type { PeerId } from '../../../src/ids.js';

const A = 'a'.repeat(64) as PeerId;
const B = 'b'.repeat(64) as PeerId;

function candidate(claimedPeerId: PeerId, host: string, port = 4000): DiscoveryCandidate {
  return { host, port, claimedPeerId, via: 'mdns', software: null };
}

test('passes a candidate once, again only after the repeat time', () => {
  const dedupe = new CandidateDedupe(30_000);
  assert.equal(dedupe.admit(candidate(A, '10.0.0.1'), 0), true);
  assert.equal(dedupe.admit(candidate(A, '10.0.0.1'), 1000), false);
  assert.equal(
    dedupe.admit({ ...candidate(A, '10.0.0.1'), via: 'beacon' }, 2000),
    false,
    'the same address by another way is the same hint',
  );
  assert.equal(dedupe.admit(candidate(A, '10.0.0.1'), 30_000), true);
});

test('passes a known peer at a new address or port at once', () => {
  const dedupe = new CandidateDedupe(30_000);
  assert.equal(dedupe.admit(candidate(A, '10.0.0.1'), 0), true);
  assert.equal(dedupe.admit(candidate(A, '10.0.0.2'), 1), true);
  assert.equal(dedupe.admit(candidate(A, '10.0.0.1', 4001), 2), true);
  assert.equal(dedupe.admit(candidate(B, '10.0.0.1'), 3), true);
});

test('forgets a peer that said goodbye, so its return passes at once', () => {
  const dedupe = new CandidateDedupe(30_000);
  dedupe.admit(candidate(A, '10.0.0.1'), 0);
  dedupe.admit(candidate(B, '10.0.0.2'), 0);
  dedupe.forget(A);
  assert.equal(dedupe.admit(candidate(A, '10.0.0.1'), 10), true);
  assert.equal(dedupe.admit(candidate(B, '10.0.0.2'), 10), false);
});

test('stays bounded under a flood of addresses', () => {
  const dedupe = new CandidateDedupe(30_000, 8);
  for (let i = 0; i < 100; i++) dedupe.admit(candidate(A, `10.0.${i >> 8}.${i & 255}`), i);
  // The oldest were dropped, the newest are still remembered.
  assert.equal(dedupe.admit(candidate(A, '10.0.0.0'), 200), true);
  assert.equal(dedupe.admit(candidate(A, '10.0.0.99'), 200), false);
});
