/** Parses `host:port` and `[v6]:port` addresses given by people and scripts. */
import { LanspreadError } from '../errors.js';

export function parseHostPort(addr: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(addr.trim());
  const port = match?.[3] === undefined ? NaN : Number(match[3]);
  const host = match?.[1] ?? match?.[2];
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new LanspreadError('bad-command', `address ${JSON.stringify(addr)} is not host:port`);
  }
  return { host, port };
}
