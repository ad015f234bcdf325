/** The TLS both sides speak: 1.3 only, our own certificate, a role per connection by ALPN, the id a key proves. */
import tls from 'node:tls';
import type { PeerId } from '../ids.js';
import { peerIdFromPublicKey, type Identity } from '../identity/index.js';
import type { ReadFeed } from './connection.js';

/**
 * What a connection is for, chosen by the dialer with TLS ALPN: `control` carries one peer
 * session (hello, deltas, pings), `transfer` carries requests for manifests and chunks.
 */
export type ConnectionRole = 'control' | 'transfer';
const ALPN: Record<ConnectionRole, string> = {
  control: 'lanspread-control/1',
  transfer: 'lanspread-transfer/1',
};

export function roleOf(alpn: string | false | null | undefined): ConnectionRole | undefined {
  if (alpn === ALPN.control) return 'control';
  if (alpn === ALPN.transfer) return 'transfer';
  return undefined;
}

// Node's 16 KiB stream buffers cost more than TLS does (DESIGN.md, "Transport"). tls.Server does not
// pass highWaterMark on to its sockets (Node 20), so only dialled sockets get the larger buffers.
const SOCKET_HIGH_WATER_MARK = 1024 * 1024;
// AES-128-GCM first: measured ~45% faster than Node's default AES-256-GCM per connection here
// (TLS is the receiver's main cost), and still a TLS 1.3 suite without known weakness.
const TLS13_CIPHERS = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';

export function serverOptions(identity: Identity, handshakeTimeoutMs: number): tls.TlsOptions {
  return {
    key: identity.keyPem,
    cert: identity.certPem,
    minVersion: 'TLSv1.3',
    ciphers: TLS13_CIPHERS,
    // Ask for the client's certificate but accept any: the id is its key's fingerprint, not a CA's word.
    requestCert: true,
    rejectUnauthorized: false,
    handshakeTimeout: handshakeTimeoutMs,
    ALPNProtocols: [ALPN.control, ALPN.transfer],
  };
}

// tls.connect documents highWaterMark and onread, but @types/node's ConnectionOptions lacks them.
type DialOptions = tls.ConnectionOptions & {
  highWaterMark: number;
  onread: { buffer: Uint8Array; callback: (nread: number, buf: Uint8Array) => boolean };
};

/** A dial reads through TLS `onread` into `feed`'s one reused buffer. */
export function dialOptions(
  identity: Identity,
  host: string,
  port: number,
  feed: ReadFeed,
  role: ConnectionRole = 'control',
): DialOptions {
  return {
    host,
    port,
    key: identity.keyPem,
    cert: identity.certPem,
    minVersion: 'TLSv1.3',
    ciphers: TLS13_CIPHERS,
    // Any certificate is accepted; the remote's id is its key's fingerprint, checked by the caller.
    rejectUnauthorized: false,
    highWaterMark: SOCKET_HIGH_WATER_MARK,
    onread: { buffer: feed.buffer, callback: feed.callback },
    ALPNProtocols: [ALPN[role]],
  };
}

/** The peer id the remote's certificate key proves; undefined when it presented none. */
export function remotePeerIdOf(socket: tls.TLSSocket): PeerId | undefined {
  const cert = socket.getPeerX509Certificate();
  return cert === undefined ? undefined : peerIdFromPublicKey(cert.publicKey);
}
