import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatHostPort, parseHostPort, readHostPort, unbracket } from '../../src/host-port.js';

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

test('reads port 0 (listen on any free port) and leaves the refusing to the caller', () => {
  assert.deepEqual(readHostPort('[::]:0'), { host: '::', port: 0 });
  assert.deepEqual(readHostPort(' 0.0.0.0:0 '), { host: '0.0.0.0', port: 0 });
  for (const bad of ['::1:80', 'host:65536', 'host:', '[::1]', '[nope]:80']) {
    assert.equal(readHostPort(bad), null, bad);
  }
});

test('writes IPv6 in brackets, once, and round-trips', () => {
  assert.equal(formatHostPort('10.0.0.2', 80), '10.0.0.2:80');
  assert.equal(formatHostPort('fe80::1', 4000), '[fe80::1]:4000');
  assert.equal(formatHostPort('[::1]', 80), '[::1]:80');
  assert.equal(unbracket('[::1]'), '::1');
  assert.equal(unbracket('laptop.local'), 'laptop.local');
  for (const addr of ['10.0.0.2:80', '[fe80::1]:4000', 'laptop.local:1']) {
    const { host, port } = parseHostPort(addr);
    assert.equal(formatHostPort(host, port), addr);
  }
});
