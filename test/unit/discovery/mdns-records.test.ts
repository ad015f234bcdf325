import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  claimedPeerId,
  hostName,
  instanceName,
  serviceCandidates,
  serviceTxt,
} from '../../../src/discovery/mdns-records.js';
import type { PeerId, SoftwareVersion } from '../../../src/ids.js';

const OWN = '0'.repeat(64) as PeerId;
const OTHER = '1f'.repeat(32) as PeerId;

test('names the instance after the peer, unique by its id, within one DNS label', () => {
  assert.equal(instanceName('alice', OTHER), 'alice-1f1f1f1f');
  assert.equal(instanceName('a.b\nc', OTHER), 'a-b-c-1f1f1f1f');
  assert.equal(instanceName('  ', OTHER), 'lanspread-1f1f1f1f');
  const long = instanceName('ü'.repeat(60), OTHER);
  assert.ok(Buffer.byteLength(long) <= 63, long);
  assert.ok(long.endsWith('ü-1f1f1f1f'), 'cut at a character, not inside one');
  assert.equal(hostName(OTHER), `lanspread-${OTHER.slice(0, 16)}.local`);
  assert.deepEqual(serviceTxt(OTHER, 3, '0.1.0' as SoftwareVersion), {
    id: OTHER,
    v: '3',
    sw: '0.1.0',
  });
});

test('turns a found service into one candidate per IPv4 address, source first', () => {
  const candidates = serviceCandidates(
    {
      txt: { id: OTHER, v: '2', sw: '0.1.0' },
      port: 40001,
      addresses: ['172.17.0.1', 'fe80::1', '10.77.0.2', '2001:db8::5'],
      referer: { address: '10.77.0.2' },
    },
    OWN,
  );
  assert.deepEqual(candidates, [
    { host: '10.77.0.2', port: 40001, claimedPeerId: OTHER, via: 'mdns', software: '0.1.0' },
    { host: '172.17.0.1', port: 40001, claimedPeerId: OTHER, via: 'mdns', software: '0.1.0' },
  ]);
});

test("a TXT record's release is a hint: absent (an older peer) or not a release, it is null", () => {
  const software = (txt: Record<string, unknown>): unknown =>
    serviceCandidates({ txt: { id: OTHER, ...txt }, port: 1, addresses: ['10.0.0.1'] }, OWN)[0]
      ?.software;
  assert.equal(software({ v: '1' }), null);
  assert.equal(software({ sw: '0.2.0-rc.1+build.7' }), '0.2.0-rc.1+build.7');
  for (const bad of ['', '1'.repeat(33), '0.1 0', '0.1.0\u202e', '<b>', true, 3]) {
    assert.equal(software({ sw: bad }), null, JSON.stringify(bad));
  }
});

test('gives no candidate for our own service, a bad id or a bad port', () => {
  const base = { port: 40001, addresses: ['10.0.0.2'], referer: { address: '10.0.0.2' } };
  assert.deepEqual(serviceCandidates({ ...base, txt: { id: OWN } }, OWN), []);
  assert.deepEqual(serviceCandidates({ ...base, txt: { id: 'zz' } }, OWN), []);
  assert.deepEqual(serviceCandidates({ ...base, txt: {} }, OWN), []);
  assert.deepEqual(serviceCandidates({ ...base, txt: 'id=x' }, OWN), []);
  assert.deepEqual(serviceCandidates({ ...base, txt: { id: OTHER }, port: 0 }, OWN), []);
  assert.deepEqual(serviceCandidates({ ...base, txt: { id: OTHER }, port: '1' }, OWN), []);
  const inherited = Object.create({ id: OTHER }) as object;
  assert.equal(claimedPeerId({ txt: inherited }), null, 'only an own TXT key counts');
});
