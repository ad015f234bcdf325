import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  allowedHostsFor,
  guardRequest,
  isLoopbackHost,
  type GuardPolicy,
  type GuardedRequest,
} from '../../../src/web/request-guard.js';

const TOKEN = 'a'.repeat(64);
const loopback: GuardPolicy = {
  allowedHosts: allowedHostsFor('127.0.0.1', 47630),
  token: TOKEN,
  tokenRequired: false,
};
const lan: GuardPolicy = {
  allowedHosts: allowedHostsFor('0.0.0.0', 47630, ['192.168.1.20', 'fe80::1']),
  token: TOKEN,
  tokenRequired: true,
};

function request(fields: Partial<GuardedRequest>): GuardedRequest {
  return {
    host: '127.0.0.1:47630',
    origin: undefined,
    authorization: undefined,
    queryToken: null,
    ...fields,
  };
}

test('a loopback request without Origin or token passes on a loopback server', () => {
  for (const host of ['127.0.0.1:47630', 'localhost:47630', 'LOCALHOST:47630', '[::1]:47630']) {
    assert.equal(guardRequest(request({ host }), loopback), null, host);
  }
});

test('a Host that does not name the server is refused with 421 bad-host (DNS rebinding)', () => {
  for (const host of ['evil.example:47630', '127.0.0.1:1', 'localhost', '', undefined]) {
    const refusal = guardRequest(request({ host }), loopback);
    assert.equal(refusal?.status, 421, String(host));
    assert.equal(refusal?.code, 'bad-host');
  }
});

test('an Origin must be http:// plus an allowed host, else 403 bad-origin', () => {
  assert.equal(guardRequest(request({ origin: 'http://localhost:47630' }), loopback), null);
  for (const origin of [
    'http://evil.example',
    'https://127.0.0.1:47630',
    'null',
    'http://127.0.0.1:47631',
    'http://127.0.0.1:47630/path',
  ]) {
    const refusal = guardRequest(request({ origin }), loopback);
    assert.equal(refusal?.status, 403, origin);
    assert.equal(refusal?.code, 'bad-origin');
  }
});

test('the Host check comes before the Origin check and the token check', () => {
  const refusal = guardRequest(
    request({ host: 'evil.example:47630', origin: 'http://evil.example:47630' }),
    lan,
  );
  assert.equal(refusal?.code, 'bad-host');
});

test('off loopback the token is required, as a Bearer header or as ?token=', () => {
  assert.equal(guardRequest(request({}), lan)?.status, 401);
  assert.equal(
    guardRequest(request({ authorization: `Bearer ${'b'.repeat(64)}` }), lan)?.code,
    'unauthorized',
  );
  assert.equal(guardRequest(request({ queryToken: TOKEN.slice(1) }), lan)?.code, 'unauthorized');
  assert.equal(guardRequest(request({ authorization: TOKEN }), lan)?.code, 'unauthorized');
  assert.equal(guardRequest(request({ authorization: `Bearer ${TOKEN}` }), lan), null);
  assert.equal(guardRequest(request({ queryToken: TOKEN }), lan), null);
});

test('a wildcard server is named by the interface addresses it was given', () => {
  const withToken = { authorization: `Bearer ${TOKEN}` };
  assert.equal(guardRequest(request({ host: '192.168.1.20:47630', ...withToken }), lan), null);
  assert.equal(guardRequest(request({ host: '[fe80::1]:47630', ...withToken }), lan), null);
  assert.equal(
    guardRequest(
      request({ host: '192.168.1.20:47630', origin: 'http://192.168.1.20:47630', ...withToken }),
      lan,
    ),
    null,
  );
  assert.equal(
    guardRequest(request({ host: '192.168.1.21:47630', ...withToken }), lan)?.code,
    'bad-host',
  );
});

test('on port 80 the Host and Origin without a port are accepted', () => {
  const policy = { ...loopback, allowedHosts: allowedHostsFor('127.0.0.1', 80) };
  assert.equal(
    guardRequest(request({ host: 'localhost', origin: 'http://localhost' }), policy),
    null,
  );
});

test('isLoopbackHost knows 127/8, ::1 and localhost and nothing else', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) {
    assert.equal(isLoopbackHost(host), true, host);
  }
  for (const host of ['0.0.0.0', '::', '192.168.1.2', 'example.com', '128.0.0.1']) {
    assert.equal(isLoopbackHost(host), false, host);
  }
});
