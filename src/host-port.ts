/** `host:port` and `[v6]:port`: the one way lanspread reads and writes an address with a port. */
import { LanspreadError } from './errors.js';

export interface HostPort {
  host: string;
  port: number;
}

/**
 * `host:port` or `[v6]:port` with a port from 0 to 65535 (the host without brackets); null for
 * anything else, a bare IPv6 address with a port included (where would the port start?).
 */
export function readHostPort(text: string): HostPort | null {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  return host === undefined || port > 65535 ? null : { host, port };
}

/** An address a command names to reach a peer: port 0 cannot be dialled, so it is refused too. */
export function parseHostPort(addr: string): HostPort {
  const parsed = readHostPort(addr);
  if (parsed === null || parsed.port === 0) {
    throw new LanspreadError('bad-command', `address ${JSON.stringify(addr)} is not host:port`);
  }
  return parsed;
}

/** `10.0.0.2:80`, `[::1]:80`: IPv6 in brackets, whether or not `host` came with them. */
export function formatHostPort(host: string, port: number): string {
  const bare = unbracket(host);
  return bare.includes(':') ? `[${bare}]:${port}` : `${bare}:${port}`;
}

/** `[::1]` → `::1`; any other host as it is. */
export function unbracket(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1');
}
