import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LanspreadError } from '../../../src/errors.js';
import type { GameId, GameVersion, PeerId } from '../../../src/ids.js';
import { DataTokens } from '../../../src/transfer/data-tokens.js';

const A = 'a'.repeat(64) as PeerId;
const B = 'b'.repeat(64) as PeerId;
const grant = (peer: PeerId) => ({
  peer,
  game: 'cnctw' as GameId,
  version: '20250101' as GameVersion,
});
const LIMITS = { lifetimeMs: 30_000, perPeer: 2, total: 3 };

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

test('a token is 32 random bytes, redeemed once, from the address that asked', () => {
  const tokens = new DataTokens(LIMITS);
  const token = tokens.issue(grant(A), '10.0.0.2');
  assert.equal(token.length, 32);
  assert.notDeepEqual(tokens.issue(grant(A), '10.0.0.2'), token);
  assert.deepEqual(tokens.redeem(token, '10.0.0.2'), grant(A));
  assert.equal(tokens.redeem(token, '10.0.0.2'), undefined, 'used');
  assert.equal(tokens.redeem(Buffer.alloc(32), '10.0.0.2'), undefined, 'unknown');
});

test('presented from another address, a token is refused and spent', () => {
  const tokens = new DataTokens(LIMITS);
  const token = tokens.issue(grant(A), '10.0.0.2');
  assert.equal(tokens.redeem(token, '10.0.0.3'), undefined);
  assert.equal(tokens.redeem(token, '10.0.0.2'), undefined);
});

test('a token expires after its lifetime', () => {
  const { now, advance } = clock();
  const tokens = new DataTokens(LIMITS, now);
  const early = tokens.issue(grant(A), '10.0.0.2');
  const late = tokens.issue(grant(A), '10.0.0.2');
  advance(29_999);
  assert.deepEqual(tokens.redeem(early, '10.0.0.2'), grant(A));
  advance(1);
  assert.equal(tokens.redeem(late, '10.0.0.2'), undefined);
});

test('outstanding tokens are capped per peer and in total; expired ones free their slot', () => {
  const { now, advance } = clock();
  const tokens = new DataTokens(LIMITS, now);
  const over = (err: unknown): boolean =>
    err instanceof LanspreadError && err.code === 'serve-over-budget';
  tokens.issue(grant(A), '10.0.0.2');
  tokens.issue(grant(A), '10.0.0.2');
  assert.throws(() => tokens.issue(grant(A), '10.0.0.2'), over);
  tokens.issue(grant(B), '10.0.0.3');
  assert.throws(() => tokens.issue(grant(B), '10.0.0.3'), over, 'the total');
  assert.equal(tokens.outstanding, 3);
  advance(30_000);
  assert.equal(tokens.outstanding, 0);
  tokens.issue(grant(A), '10.0.0.2');
});
