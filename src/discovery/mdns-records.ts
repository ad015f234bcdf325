/** What we publish over DNS-SD, and how a found service becomes candidates (pure). */
import { isIPv4 } from 'node:net';
import { isPeerId, isSoftwareVersion, type PeerId, type SoftwareVersion } from '../ids.js';
import type { DiscoveryCandidate } from './candidate.js';

/** DNS-SD service type `_lanspread._tcp`, as bonjour-service spells it. */
export const SERVICE_TYPE = 'lanspread';

/** The fields of a bonjour-service `Service` we read; all untrusted network input. */
export interface FoundService {
  txt?: unknown;
  port?: unknown;
  addresses?: unknown;
  referer?: { address?: unknown } | undefined;
}

const MAX_LABEL_BYTES = 63;

/**
 * The instance name: the peer's name made unique by the start of its id. A DNS label holds at
 * most 63 bytes; dots would split it (bonjour-service turns them into dashes anyway).
 */
export function instanceName(name: string, peerId: PeerId): string {
  const suffix = `-${peerId.slice(0, 8)}`;
  const chars = Array.from(name.trim(), (ch) =>
    ch === '.' || ch < ' ' || ch === '\x7f' ? '-' : ch,
  );
  while (chars.length > 0 && Buffer.byteLength(chars.join('') + suffix) > MAX_LABEL_BYTES) {
    chars.pop();
  }
  return (chars.length > 0 ? chars.join('') : 'lanspread') + suffix;
}

/**
 * Our own host name for the SRV and A records: the OS host name is shared by every peer on a
 * machine (and by every network namespace), so their A records would mix.
 */
export function hostName(peerId: PeerId): string {
  return `lanspread-${peerId.slice(0, 16)}.local`;
}

/** `id` the peer id, `v` the peer protocol, `sw` the lanspread release (older peers omit it). */
export function serviceTxt(
  peerId: PeerId,
  protocolVersion: number,
  software: SoftwareVersion,
): Record<string, string> {
  return { id: peerId, v: String(protocolVersion), sw: software };
}

/** A key of the service's TXT record, as it came (untrusted); undefined when absent. */
function txtValue(service: FoundService, key: string): unknown {
  const txt = service.txt;
  if (typeof txt !== 'object' || txt === null || !Object.hasOwn(txt, key)) return undefined;
  return (txt as Record<string, unknown>)[key];
}

/** The peer id a service claims in its TXT, or null when it is missing or malformed. */
export function claimedPeerId(service: FoundService): PeerId | null {
  const id = txtValue(service, 'id');
  return isPeerId(id) ? id : null;
}

/** The lanspread release a service claims in its TXT, or null when it is missing or malformed. */
function claimedSoftware(service: FoundService): SoftwareVersion | null {
  const sw = txtValue(service, 'sw');
  return isSoftwareVersion(sw) ? sw : null;
}

/** The IPv4 address the service's packet came from, when known. */
export function sourceAddress(service: FoundService): string | undefined {
  const source = service.referer?.address;
  return typeof source === 'string' && isIPv4(source) ? source : undefined;
}

/**
 * One candidate per IPv4 address of a found service: the packet's source first (it is on our
 * link), then its A records. IPv6 is left out: link-local answers cannot be dialled without a
 * scope. Our own service and services without a valid id give none.
 */
export function serviceCandidates(service: FoundService, ownId: PeerId): DiscoveryCandidate[] {
  const id = claimedPeerId(service);
  const port = service.port;
  if (id === null || id === ownId) return [];
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return [];
  const hosts = new Set<string>();
  const source = sourceAddress(service);
  if (source !== undefined) hosts.add(source);
  if (Array.isArray(service.addresses)) {
    for (const address of service.addresses as unknown[]) {
      if (typeof address === 'string' && isIPv4(address)) hosts.add(address);
    }
  }
  const software = claimedSoftware(service);
  return [...hosts].map((host) => ({ host, port, claimedPeerId: id, via: 'mdns', software }));
}
