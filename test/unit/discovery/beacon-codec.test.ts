import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBeacon, encodeBeacon } from '../../../src/discovery/beacon-codec.js';
import type { PeerId, SoftwareVersion } from '../../../src/ids.js';

const ID = 'ab'.repeat(32) as PeerId;

test('a beacon round-trips with its release and stays well under 256 bytes', () => {
  const longest = '1'.repeat(32) as SoftwareVersion;
  const bytes = encodeBeacon({ peerId: ID, port: 65535, software: longest });
  assert.ok(bytes.length <= 150, `${bytes.length} bytes`);
  assert.equal(
    bytes.toString(),
    `{"app":"lanspread","v":1,"id":"${ID}","port":65535,"sw":"${longest}"}`,
  );
  assert.deepEqual(decodeBeacon(bytes), { peerId: ID, port: 65535, software: longest });
});

test('a beacon without a release (an older peer) decodes with none', () => {
  const bytes = encodeBeacon({ peerId: ID, port: 47000, software: null });
  assert.equal(bytes.toString(), `{"app":"lanspread","v":1,"id":"${ID}","port":47000}`);
  assert.deepEqual(decodeBeacon(bytes), { peerId: ID, port: 47000, software: null });
});

test('ignores keys it does not know, and a release that is not one', () => {
  const beacon = (extra: Record<string, unknown>): Buffer =>
    Buffer.from(JSON.stringify({ app: 'lanspread', v: 1, id: ID, port: 1, ...extra }));
  assert.deepEqual(decodeBeacon(beacon({ name: 'x', sw: '0.2.0+b7' })), {
    peerId: ID,
    port: 1,
    software: '0.2.0+b7',
  });
  for (const sw of ['', '9'.repeat(33), '0.1.0 beta', 'v1/2', '\u001b[31m', 1, null, ['0.1.0']]) {
    assert.deepEqual(
      decodeBeacon(beacon({ sw })),
      { peerId: ID, port: 1, software: null },
      JSON.stringify(sw),
    );
  }
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
