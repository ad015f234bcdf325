/**
 * How a plaintext data connection opens (docs/protocol.md, "Data connections"): the dialer's first
 * bytes are a fixed magic, then the 32-byte token its TLS connection was given. Data connections
 * share the peer's one listening port with TLS, told apart by the first byte: a TLS ClientHello
 * record starts with 0x16, the magic with `l`.
 */

/** 8 ASCII bytes: the name and version of this opening. */
export const DATA_MAGIC = Buffer.from('lsdata/1', 'ascii');
export const DATA_TOKEN_BYTES = 32;
export const DATA_HELLO_BYTES = DATA_MAGIC.length + DATA_TOKEN_BYTES;

/** The first byte of every TLS handshake record (a ClientHello among them). */
const TLS_HANDSHAKE_RECORD = 0x16;

export type FirstBytes = 'tls' | 'data' | 'unknown' | 'more';

/** What the first bytes of an inbound socket open: `more` until they say. */
export function classifyFirstBytes(bytes: Buffer): FirstBytes {
  if (bytes.length === 0) return 'more';
  if (bytes[0] === TLS_HANDSHAKE_RECORD) return 'tls';
  const seen = Math.min(bytes.length, DATA_MAGIC.length);
  if (!bytes.subarray(0, seen).equals(DATA_MAGIC.subarray(0, seen))) return 'unknown';
  return bytes.length >= DATA_HELLO_BYTES ? 'data' : 'more';
}

export function encodeDataHello(token: Buffer): Buffer {
  if (token.length !== DATA_TOKEN_BYTES) throw new RangeError('a data token is 32 bytes');
  return Buffer.concat([DATA_MAGIC, token]);
}
