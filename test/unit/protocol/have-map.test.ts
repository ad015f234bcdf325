import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HaveMap, MAX_HAVE_CHUNKS } from '../../../src/protocol/have-map.js';
import { wireMessageSchema } from '../../../src/protocol/messages.js';

test('bits are set high bit first and round-trip through base64', () => {
  const map = new HaveMap(10);
  assert.equal(map.set(0), true);
  assert.equal(map.set(9), true);
  assert.equal(map.set(9), false, 'already set');
  assert.equal(map.set(10), false, 'past the end');
  assert.equal(map.encode(), Buffer.from([0x80, 0x40]).toString('base64'));
  const back = HaveMap.decode(map.encode(), 10);
  assert.ok(back);
  assert.deepEqual(
    Array.from({ length: 10 }, (_, i) => back.has(i)),
    [true, false, false, false, false, false, false, false, false, true],
  );
  assert.equal(back.count, 2);
  assert.equal(back.complete, false);
});

test('decode refuses a map of another length, a bit past the end, or loose base64', () => {
  const two = Buffer.from([0xff, 0xc0]).toString('base64');
  assert.ok(HaveMap.decode(two, 10)?.complete);
  assert.equal(HaveMap.decode(two, 9), null, 'bit 9 set past 9 chunks');
  assert.equal(HaveMap.decode(two, 17), null, 'three bytes wanted');
  assert.equal(HaveMap.decode(two.replace(/=+$/, ''), 10), null, 'padding is required');
  assert.equal(HaveMap.decode('*' + two.slice(1), 10), null);
  assert.equal(HaveMap.decode('', 0), null, 'no chunks: nothing to hold');
  assert.equal(HaveMap.decode('AA==', MAX_HAVE_CHUNKS + 1), null);
});

test('partial-holdings messages are bounded and their maps checked', () => {
  const holding = {
    game: 'alienswarm',
    version: '20250101',
    manifest_digest: 'a'.repeat(64),
    chunks: 10,
    have: Buffer.from([0x80, 0x40]).toString('base64'),
  };
  const ok = { t: 'partial-holdings', upsert: [holding], remove: ['bf1942'] };
  assert.equal(wireMessageSchema.safeParse(ok).success, true);
  const fetching = { ...ok, upsert: [{ ...holding, fetching: holding.have }] };
  assert.equal(wireMessageSchema.safeParse(fetching).success, true, 'with chunks in flight');
  const relaying = { ...ok, upsert: [{ ...holding, relaying: holding.have }] };
  assert.equal(wireMessageSchema.safeParse(relaying).success, true, 'with chunks from relays');
  const bad = [
    { ...ok, upsert: [{ ...holding, fetching: 'AAAA' }] },
    { ...ok, upsert: [{ ...holding, fetching: Buffer.from([0, 0x20]).toString('base64') }] },
    { ...ok, upsert: [{ ...holding, relaying: 'AAAA' }] },
    { ...ok, upsert: [{ ...holding, relaying: Buffer.from([0, 0x20]).toString('base64') }] },
    { ...ok, upsert: [{ ...holding, chunks: 9 }] },
    { ...ok, upsert: [{ ...holding, manifest_digest: 'xyz' }] },
    { ...ok, upsert: [{ ...holding, extra: 1 }] },
    { ...ok, upsert: Array.from({ length: 65 }, () => holding) },
    { ...ok, remove: Array.from({ length: 65 }, () => 'bf1942') },
  ];
  for (const msg of bad) assert.equal(wireMessageSchema.safeParse(msg).success, false);
});
