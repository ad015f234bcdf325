import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBeacon, encodeBeacon } from '../../../src/discovery/beacon-codec.js';
import type { PeerId } from '../../../src/ids.js';

const ID = 'ab'.repeat(32) as PeerId;

test('a beacon round-trips and stays well under 256 bytes', () => {
  const bytes = encodeBeacon({ peerId: ID, port: 47000 });
  assert.ok(bytes.length <= 256, `${bytes.length} bytes`);
  assert.equal(bytes.toString(), `{"app":"lanspread","v":1,"id":"${ID}","port":47000}`);
  assert.deepEqual(decodeBeacon(bytes), { peerId: ID, port: 47000 });
});

test('ignores keys it does not know, so a later format can add some', () => {
  const bytes = Buffer.from(JSON.stringify({ app: 'lanspread', v: 1, id: ID, port: 1, name: 'x' }));
  assert.deepEqual(decodeBeacon(bytes), { peerId: ID, port: 1 });
});

test('rejects oversized, malformed and foreign datagrams', () => {
  const valid = { app: 'lanspread', v: 1, id: ID, port: 4000 };
  const bad: unknown[] = [
    { ...valid, app: 'other' },
    { ...valid, v: 2 },
    { ...valid, v: '1' },
    { ...valid, id: ID.toUpperCase() },
    { ...valid, id: ID.slice(1) },
    { ...valid, port: 0 },
    { ...valid, port: 65536 },
    { ...valid, port: 80.5 },
    { ...valid, port: '80' },
    [valid],
    null,
    'lanspread',
  ];
  for (const value of bad) {
    assert.equal(decodeBeacon(Buffer.from(JSON.stringify(value))), null, JSON.stringify(value));
  }
  assert.equal(decodeBeacon(Buffer.from('{"app":"lanspread"')), null);
  assert.equal(decodeBeacon(Buffer.from([0xff, 0xfe, 0x00])), null);
  assert.equal(decodeBeacon(Buffer.alloc(0)), null);
  const padded = Buffer.from(JSON.stringify(valid) + ' '.repeat(600));
  assert.equal(decodeBeacon(padded), null, 'over 512 bytes is not parsed');
});
