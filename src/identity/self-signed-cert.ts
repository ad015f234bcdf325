/** Builds the self-signed X.509 v3 certificate that carries an ECDSA P-256 public key into TLS. */
import { randomBytes, sign, type KeyObject } from 'node:crypto';

// The certificate only carries the key: peers judge each other by the key's fingerprint, never by
// a CA, so this small DER writer replaces an X.509 library (see docs/protocol.md, "Transport").

const TAG_INTEGER = 0x02;
const TAG_BIT_STRING = 0x03;
const TAG_OCTET_STRING = 0x04;
const TAG_UTF8_STRING = 0x0c;
const TAG_UTC_TIME = 0x17;
const TAG_GENERALIZED_TIME = 0x18;
const TAG_SEQUENCE = 0x30;
const TAG_SET = 0x31;
const TAG_VERSION = 0xa0; // [0] EXPLICIT
const TAG_EXTENSIONS = 0xa3; // [3] EXPLICIT

// Object identifiers, already DER-encoded (tag, length, value).
const OID_ECDSA_WITH_SHA256 = Buffer.from('06082a8648ce3d040302', 'hex'); // 1.2.840.10045.4.3.2
const OID_COMMON_NAME = Buffer.from('0603550403', 'hex'); // 2.5.4.3
const OID_BASIC_CONSTRAINTS = Buffer.from('0603551d13', 'hex'); // 2.5.29.19
const OID_KEY_USAGE = Buffer.from('0603551d0f', 'hex'); // 2.5.29.15
const DER_TRUE = Buffer.from('0101ff', 'hex');

export interface SelfSignedCertOptions {
  /** An ECDSA P-256 private key; it signs the certificate. */
  privateKey: KeyObject;
  publicKey: KeyObject;
  commonName: string;
  notBefore: Date;
  notAfter: Date;
}

/** Returns the PEM of a v3 end-entity certificate whose issuer and subject are both `CN=commonName`. */
export function createSelfSignedCert(opts: SelfSignedCertOptions): string {
  const algorithm = der(TAG_SEQUENCE, OID_ECDSA_WITH_SHA256);
  const name = der(
    TAG_SEQUENCE,
    der(TAG_SET, der(TAG_SEQUENCE, OID_COMMON_NAME, utf8(opts.commonName))),
  );
  const tbs = der(
    TAG_SEQUENCE,
    der(TAG_VERSION, der(TAG_INTEGER, Buffer.from([2]))),
    der(TAG_INTEGER, serialNumber()),
    algorithm,
    name,
    der(TAG_SEQUENCE, time(opts.notBefore), time(opts.notAfter)),
    name,
    opts.publicKey.export({ type: 'spki', format: 'der' }),
    der(TAG_EXTENSIONS, der(TAG_SEQUENCE, basicConstraintsNotCa(), keyUsageDigitalSignature())),
  );
  const signature = sign('sha256', tbs, { key: opts.privateKey, dsaEncoding: 'der' });
  const cert = der(TAG_SEQUENCE, tbs, algorithm, bitString(signature));
  return toPem(cert);
}

function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function utf8(text: string): Buffer {
  return der(TAG_UTF8_STRING, Buffer.from(text, 'utf8'));
}

function bitString(bytes: Buffer): Buffer {
  return der(TAG_BIT_STRING, Buffer.from([0]), bytes); // 0 unused bits
}

/** 16 random bytes, positive and minimally encoded (RFC 5280 allows up to 20 octets). */
function serialNumber(): Buffer {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  return serial;
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 on; whole seconds, UTC. */
function time(date: Date): Buffer {
  const digits = date.toISOString().slice(0, 19).replace(/[-T:]/g, ''); // YYYYMMDDHHMMSS
  return date.getUTCFullYear() < 2050
    ? der(TAG_UTC_TIME, Buffer.from(`${digits.slice(2)}Z`, 'ascii'))
    : der(TAG_GENERALIZED_TIME, Buffer.from(`${digits}Z`, 'ascii'));
}

function basicConstraintsNotCa(): Buffer {
  return der(
    TAG_SEQUENCE,
    OID_BASIC_CONSTRAINTS,
    DER_TRUE,
    der(TAG_OCTET_STRING, der(TAG_SEQUENCE)),
  );
}

function keyUsageDigitalSignature(): Buffer {
  // BIT STRING with 7 unused bits and only bit 0 (digitalSignature) set.
  const usage = der(TAG_BIT_STRING, Buffer.from([0x07, 0x80]));
  return der(TAG_SEQUENCE, OID_KEY_USAGE, DER_TRUE, der(TAG_OCTET_STRING, usage));
}

function toPem(body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
