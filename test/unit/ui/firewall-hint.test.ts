import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  UNREACHABLE_AFTER_MS,
  firewallCommands,
  looksUnreachable,
  portOf,
} from '../../../ui/src/firewall-hint.js';

const quiet = { inboundPeerConnections: 0, remoteShareRequests: 0 };

test('peers known for a minute with nothing ever reaching us looks unreachable', () => {
  const since = 1_000_000;
  const at = (ms: number, extra = {}) =>
    looksUnreachable({ peersSinceMs: since, nowMs: since + ms, ...quiet, ...extra });
  assert.equal(at(UNREACHABLE_AFTER_MS - 1), false, 'too early to tell');
  assert.equal(at(UNREACHABLE_AFTER_MS), true);
  assert.equal(at(UNREACHABLE_AFTER_MS, { inboundPeerConnections: 1 }), false);
  assert.equal(at(UNREACHABLE_AFTER_MS, { remoteShareRequests: 1 }), false);
  assert.equal(looksUnreachable({ peersSinceMs: undefined, nowMs: since, ...quiet }), false);
});

test('the firewall commands open the peer and share ports (TCP) and discovery (UDP)', () => {
  const commands = firewallCommands({ peer: 40123, share: 47631, beacon: 47625, mdns: true });
  assert.deepEqual(commands.windows, [
    'netsh advfirewall firewall add rule name="lanspread TCP" dir=in action=allow protocol=TCP localport=40123,47631 profile=private',
    'netsh advfirewall firewall add rule name="lanspread UDP" dir=in action=allow protocol=UDP localport=47625,5353 profile=private',
  ]);
  assert.deepEqual(commands.linux, [
    'sudo ufw allow 40123,47631/tcp',
    'sudo ufw allow 47625,5353/udp',
  ]);
  const bare = firewallCommands({ peer: 40123, share: null, beacon: null, mdns: false });
  assert.deepEqual(bare.linux, ['sudo ufw allow 40123/tcp']);
  assert.equal(bare.windows.length, 1);
});

test('portOf reads the port of an address', () => {
  assert.equal(portOf('0.0.0.0:40123'), 40123);
  assert.equal(portOf('[::]:47620'), 47620);
  assert.equal(portOf('nowhere'), null);
});
