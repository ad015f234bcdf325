import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { test } from 'node:test';
import {
  broadcastAddress,
  dialable,
  inSubnet,
  interfacesFor,
  lanInterfaces,
  onePerInterface,
  type LanInterface,
} from '../../../src/discovery/lan-interfaces.js';

function v4(address: string, netmask: string, internal = false): NetworkInterfaceInfo {
  return { address, netmask, family: 'IPv4', mac: '02:00:00:00:00:01', internal, cidr: null };
}

test('lists the IPv4 addresses of every interface but loopback, with their broadcast address', () => {
  const found = lanInterfaces({
    lo: [v4('127.0.0.1', '255.0.0.0', true)],
    eth0: [
      v4('192.168.1.20', '255.255.255.0'),
      {
        address: 'fe80::1',
        netmask: 'ffff:ffff:ffff:ffff::',
        family: 'IPv6',
        mac: '02:00:00:00:00:01',
        internal: false,
        cidr: null,
        scopeid: 2,
      },
      v4('10.0.5.7', '255.255.0.0'),
    ],
    wlan0: [v4('172.16.3.9', '255.255.255.252')],
    tun0: [v4('10.8.0.2', '255.255.255.255')],
  });
  assert.deepEqual(found, [
    { name: 'eth0', address: '192.168.1.20', netmask: '255.255.255.0', broadcast: '192.168.1.255' },
    { name: 'eth0', address: '10.0.5.7', netmask: '255.255.0.0', broadcast: '10.0.255.255' },
    { name: 'wlan0', address: '172.16.3.9', netmask: '255.255.255.252', broadcast: '172.16.3.11' },
    { name: 'tun0', address: '10.8.0.2', netmask: '255.255.255.255', broadcast: null },
  ]);
  assert.deepEqual(
    onePerInterface(found).map((i) => i.address),
    ['192.168.1.20', '172.16.3.9', '10.8.0.2'],
  );
});

test('computes directed broadcast addresses, and none for /31 and /32', () => {
  assert.equal(broadcastAddress('10.77.0.3', '255.255.255.0'), '10.77.0.255');
  assert.equal(broadcastAddress('169.254.12.34', '255.255.0.0'), '169.254.255.255');
  assert.equal(broadcastAddress('10.1.2.3', '255.0.0.0'), '10.255.255.255');
  assert.equal(broadcastAddress('192.168.0.200', '255.255.255.128'), '192.168.0.255');
  assert.equal(broadcastAddress('10.0.0.0', '255.255.255.254'), null);
  assert.equal(broadcastAddress('10.0.0.1', '255.255.255.255'), null);
  assert.equal(broadcastAddress('not-an-ip', '255.255.255.0'), null);
});

test('hands a packet to the interfaces of its subnet, or to all when none matches', () => {
  const eth: LanInterface = {
    name: 'eth0',
    address: '10.77.0.1',
    netmask: '255.255.255.0',
    broadcast: '10.77.0.255',
  };
  const wlan: LanInterface = {
    name: 'wlan0',
    address: '192.168.5.9',
    netmask: '255.255.255.0',
    broadcast: '192.168.5.255',
  };
  assert.equal(inSubnet('10.77.0.200', eth), true);
  assert.equal(inSubnet('10.77.1.1', eth), false);
  assert.deepEqual(interfacesFor('192.168.5.40', [eth, wlan]), [wlan]);
  assert.deepEqual(interfacesFor('10.77.0.2', [eth, wlan]), [eth]);
  assert.deepEqual(interfacesFor('8.8.8.8', [eth, wlan]), [eth, wlan]);
});

test('dials only hosts on our subnets, loopback only for a hint that came over loopback', () => {
  const eth: LanInterface = {
    name: 'eth0',
    address: '10.77.0.1',
    netmask: '255.255.255.0',
    broadcast: '10.77.0.255',
  };
  const p2p: LanInterface = {
    name: 'tun0',
    address: '172.20.0.5',
    netmask: '255.255.255.255',
    broadcast: null,
  };
  const lan = [eth, p2p];
  assert.equal(dialable('10.77.0.42', '10.77.0.42', lan), true, 'a beacon from the subnet');
  assert.equal(dialable('10.77.0.42', '10.77.0.9', lan), true, 'an A record on the subnet');
  assert.equal(dialable('10.77.0.1', '10.77.0.1', lan), true, 'another peer on this host');
  assert.equal(dialable('172.20.0.5', undefined, lan), true, 'a /32 holds its own address');
  for (const host of ['10.77.1.1', '8.8.8.8', '172.20.0.6', '192.0.2.1', '0.0.0.0']) {
    assert.equal(dialable(host, '10.77.0.9', lan), false, `${host} is off our subnets`);
  }
  assert.equal(dialable('10.77.0.255', '10.77.0.9', lan), false, 'the broadcast address');
  assert.equal(dialable('10.77.0.0', '10.77.0.9', lan), false, 'the network address');
  assert.equal(dialable('not-an-ip', '10.77.0.9', lan), false);
  assert.equal(dialable('10.77.0.42', '10.77.0.42', []), false, 'no interface, no subnet');
  assert.equal(dialable('127.0.0.1', '10.77.0.9', lan), false, 'an A record naming loopback');
  assert.equal(dialable('127.0.0.1', undefined, lan), false);
  assert.equal(dialable('127.0.0.1', '127.0.0.1', []), true, 'a hint from this very host');
  assert.equal(dialable('127.0.0.2', '127.0.0.1', lan), true);
});
