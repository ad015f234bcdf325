/** The host's usable IPv4 interfaces and the subnet arithmetic discovery needs (pure). */
import type { NetworkInterfaceInfo } from 'node:os';
import { isIPv4 } from 'node:net';

export interface LanInterface {
  /** Interface name, e.g. `eth0`. */
  name: string;
  address: string;
  netmask: string;
  /** Directed broadcast address of the subnet; null for /31 and /32, which have none. */
  broadcast: string | null;
}

/**
 * Every IPv4 address of an interface that is up and not loopback, in the order the OS lists
 * them (libuv already leaves out interfaces that are down).
 */
export function lanInterfaces(nets: NodeJS.Dict<NetworkInterfaceInfo[]>): LanInterface[] {
  const out: LanInterface[] = [];
  for (const [name, infos] of Object.entries(nets)) {
    for (const info of infos ?? []) {
      if (info.internal || info.family !== 'IPv4') continue;
      if (!isIPv4(info.address) || !isIPv4(info.netmask)) continue;
      out.push({
        name,
        address: info.address,
        netmask: info.netmask,
        broadcast: broadcastAddress(info.address, info.netmask),
      });
    }
  }
  return out;
}

/** One entry per interface name (its first address): multicast membership is per interface. */
export function onePerInterface(interfaces: readonly LanInterface[]): LanInterface[] {
  const seen = new Set<string>();
  return interfaces.filter((i) => !seen.has(i.name) && seen.add(i.name));
}

/** Directed broadcast address (`address | ~netmask`); null when the prefix is /31 or /32. */
export function broadcastAddress(address: string, netmask: string): string | null {
  const mask = ipv4ToInt(netmask);
  if (mask === null || ~mask >>> 0 < 3) return null;
  const addr = ipv4ToInt(address);
  if (addr === null) return null;
  return intToIpv4((addr | ~mask) >>> 0);
}

export function inSubnet(address: string, iface: LanInterface): boolean {
  const a = ipv4ToInt(address);
  const b = ipv4ToInt(iface.address);
  const mask = ipv4ToInt(iface.netmask);
  if (a === null || b === null || mask === null) return false;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

/**
 * Whether a discovered `host` may be dialled: only a host on the subnet of one of our interfaces
 * (not the subnet's network or broadcast address), so a forged hint cannot aim our dials at the
 * wider network. A loopback host only when the hint came over loopback (`source`, the sender's
 * address, is loopback too): only this machine can send from there.
 */
export function dialable(
  host: string,
  source: string | undefined,
  interfaces: readonly LanInterface[],
): boolean {
  if (isLoopback(host)) return source !== undefined && isLoopback(source);
  return interfaces.some(
    (i) => inSubnet(host, i) && host !== i.broadcast && host !== networkAddress(i),
  );
}

function isLoopback(address: string): boolean {
  return isIPv4(address) && address.startsWith('127.');
}

/** The subnet's own address, when it has a broadcast address (prefix /30 or shorter). */
function networkAddress(iface: LanInterface): string | null {
  const addr = ipv4ToInt(iface.address);
  const mask = ipv4ToInt(iface.netmask);
  if (iface.broadcast === null || addr === null || mask === null) return null;
  return intToIpv4((addr & mask) >>> 0);
}

/**
 * The interfaces a packet from `source` belongs to: those whose subnet holds it, or all of them
 * when none does (an off-subnet sender is still answered, only not once per interface).
 */
export function interfacesFor(source: string, interfaces: readonly LanInterface[]): LanInterface[] {
  const owners = interfaces.filter((i) => inSubnet(source, i));
  return owners.length > 0 ? owners : [...interfaces];
}

function ipv4ToInt(address: string): number | null {
  if (!isIPv4(address)) return null;
  return address.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}

function intToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}
