import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHostPort } from '../../../src/net/host-port.js';

test('parses host:port and [v6]:port', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:4000'), { host: '127.0.0.1', port: 4000 });
  assert.deepEqual(parseHostPort('laptop.local:65535'), { host: 'laptop.local', port: 65535 });
  assert.deepEqual(parseHostPort('[::1]:80'), { host: '::1', port: 80 });
});

test('rejects what is not an address with bad-command', () => {
  for (const bad of [
    '',
    '127.0.0.1',
    ':80',
    'host:0',
    'host:70000',
    '::1:80',
    'a b:1',
    'host:port',
  ]) {
    assert.throws(() => parseHostPort(bad), { code: 'bad-command' }, bad);
  }
});
