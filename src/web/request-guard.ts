/** Who may talk to the web API: the Host, Origin and token checks of docs/api.md, pure. */
import { timingSafeEqual } from 'node:crypto';
import { formatHostPort, unbracket } from '../host-port.js';

export interface GuardPolicy {
  /** Host header values (`host:port`, lower case) that name this server. */
  allowedHosts: ReadonlySet<string>;
  token: string;
  /** Off loopback every request must carry the token. */
  tokenRequired: boolean;
}

export interface GuardedRequest {
  host: string | undefined;
  origin: string | undefined;
  authorization: string | undefined;
  /** `?token=` of the URL (the WebSocket upgrade and the first page load cannot set a header). */
  queryToken: string | null;
}

export interface GuardRefusal {
  status: 401 | 403 | 421;
  code: 'unauthorized' | 'bad-origin' | 'bad-host';
  message: string;
}

/** The Host values of a server bound to `bindHost:port`; `extraHosts` name it too (interface addresses of a wildcard bind). */
export function allowedHostsFor(
  bindHost: string,
  port: number,
  extraHosts: readonly string[] = [],
): Set<string> {
  const names = ['127.0.0.1', 'localhost', '::1', bindHost, ...extraHosts];
  const hosts = names.map((name) => hostHeader(name, port));
  // Browsers leave the default port out of Host and Origin.
  if (port === 80) hosts.push(...hosts.map((host) => host.replace(/:80$/, '')));
  return new Set(hosts);
}

/** `host:port` as a browser writes it in Host: IPv6 in brackets, lower case. */
export function hostHeader(host: string, port: number): string {
  return formatHostPort(host.toLowerCase(), port);
}

export function isLoopbackHost(host: string): boolean {
  const bare = unbracket(host).toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

/** A socket's remote address (IPv4-mapped IPv6 too) on this machine. */
export function isLoopbackAddress(address: string | undefined): boolean {
  return address !== undefined && isLoopbackHost(address.replace(/^::ffff:/, ''));
}

/** null when the request may proceed; otherwise the refusal to answer. */
export function guardRequest(req: GuardedRequest, policy: GuardPolicy): GuardRefusal | null {
  const host = req.host?.toLowerCase();
  if (host === undefined || !policy.allowedHosts.has(host)) {
    return {
      status: 421,
      code: 'bad-host',
      message: `Host ${JSON.stringify(req.host ?? null)} does not name this server`,
    };
  }
  if (req.origin !== undefined && !policy.allowedHosts.has(originHost(req.origin))) {
    return {
      status: 403,
      code: 'bad-origin',
      message: `requests from ${JSON.stringify(req.origin)} are not allowed`,
    };
  }
  if (policy.tokenRequired && !hasToken(req, policy.token)) {
    return {
      status: 401,
      code: 'unauthorized',
      message: 'this server needs its token (Authorization: Bearer TOKEN or ?token=TOKEN)',
    };
  }
  return null;
}

/** The host:port of an `http://` origin; '' (never allowed) for any other scheme or "null". */
function originHost(origin: string): string {
  const match = /^http:\/\/([^/]+)$/i.exec(origin);
  return match?.[1]?.toLowerCase() ?? '';
}

function hasToken(req: GuardedRequest, token: string): boolean {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.authorization ?? '')?.[1];
  return [bearer, req.queryToken].some(
    (given) => typeof given === 'string' && sameSecret(given, token),
  );
}

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(token, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
