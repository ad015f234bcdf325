import assert from 'node:assert/strict';
import { test } from 'node:test';
import { helloSchema } from '../../../src/protocol/messages.js';
import { PROTOCOL_VERSION } from '../../../src/protocol/index.js';

/** A hello as protocol 1 had it: no `software`. */
const older = {
  t: 'hello',
  protocol: 1,
  peer_id: 'ab'.repeat(32),
  name: 'alice',
  listen_port: 47620,
  library: [],
};
const hello = { ...older, protocol: PROTOCOL_VERSION, software: '0.1.0' };

const issues = (value: unknown): string[] => {
  const parsed = helloSchema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

test('protocol 2: a hello names the sender’s lanspread release', () => {
  assert.equal(PROTOCOL_VERSION, 2);
  assert.deepEqual(issues(hello), []);
  assert.equal(helloSchema.parse(hello).software, '0.1.0');
  for (const software of ['0.2.0-rc.1+build.7', '1'.repeat(32), 'nightly']) {
    assert.deepEqual(issues({ ...hello, software }), [], software);
  }
});

test('a protocol 2 hello without its release is refused', () => {
  assert.deepEqual(issues({ ...older, protocol: PROTOCOL_VERSION }), [
    'software: a protocol 2 hello names its software version',
  ]);
});

test('a release too long, empty, or with characters past [0-9A-Za-z.+-] is refused', () => {
  for (const software of [
    '1'.repeat(33),
    '',
    '0.1.0 beta',
    '0.1.0\n',
    '0.1.0/../x',
    '\u001b[31m0.1.0',
    '0.1.0\u202e',
    'ü',
    1,
    null,
  ]) {
    assert.deepEqual(
      issues({ ...hello, software }),
      ['software: not a software version'],
      JSON.stringify(software),
    );
  }
});

test('a protocol 1 hello (no release) still parses, so its sender can be told why it is refused', () => {
  assert.deepEqual(issues(older), []);
});
