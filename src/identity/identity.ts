/** This peer's key pair and certificate in the state dir: created on first start, reused afterwards. */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { errorMessage, LanspreadError } from '../errors.js';
import { shortPeerId, type PeerId } from '../ids.js';
import type { Logger } from '../logger.js';
import { peerIdFromPublicKey } from './peer-id.js';
import { createSelfSignedCert } from './self-signed-cert.js';

export interface Identity {
  peerId: PeerId;
  /** PKCS#8 PEM of the ECDSA P-256 private key. */
  keyPem: string;
  /** PEM of the self-signed certificate of that key. */
  certPem: string;
}

const KEY_FILE = 'identity-key.pem';
const CERT_FILE = 'identity-cert.pem';

// Nothing checks the validity period (identity is the key), but TLS stacks read it, so make it long.
const CERT_VALIDITY_YEARS = 20;

/**
 * Loads the identity of `stateDir`, or creates it when the dir has no key yet. A key or
 * certificate that exists but cannot be used is an error, never silently replaced: the key is
 * the peer's id, and other peers know it by that id.
 */
export async function loadOrCreateIdentity(stateDir: string, log: Logger): Promise<Identity> {
  try {
    await mkdir(stateDir, { recursive: true });
  } catch (err) {
    throw new LanspreadError(
      'state-dir-unusable',
      `cannot create the state folder ${stateDir}: ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
  const keyPath = join(stateDir, KEY_FILE);
  const certPath = join(stateDir, CERT_FILE);

  const keyPem = await readIfPresent(keyPath);
  if (keyPem === undefined) {
    const certPemOrphan = await readIfPresent(certPath);
    if (certPemOrphan !== undefined)
      log.warn({ file: certPath }, 'certificate without its key; creating a new identity');
    return createIdentity(keyPath, certPath, log);
  }

  const privateKey = parsePrivateKey(keyPem, keyPath);
  const publicKey = createPublicKey(privateKey);
  const peerId = peerIdFromPublicKey(publicKey);
  let certPem = await readIfPresent(certPath);
  if (certPem === undefined) {
    // The certificate is derived from the key, so a lost one is reissued without changing the id.
    certPem = issueCert(privateKey, publicKey, peerId);
    await writeAtomically(certPath, certPem, 0o644);
    log.info(
      { peer_id: peerId, file: certPath },
      'identity certificate was missing; issued a new one for the same key',
    );
  } else {
    checkCert(certPem, certPath, peerId, keyPath);
  }
  return { peerId, keyPem, certPem };
}

async function createIdentity(keyPath: string, certPath: string, log: Logger): Promise<Identity> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const peerId = peerIdFromPublicKey(publicKey);
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const certPem = issueCert(privateKey, publicKey, peerId);
  // Key first: a crash between the two writes leaves a key whose certificate is reissued next start.
  await writeAtomically(keyPath, keyPem, 0o600);
  await writeAtomically(certPath, certPem, 0o644);
  log.info({ peer_id: peerId, file: keyPath }, 'created a new identity');
  return { peerId, keyPem, certPem };
}

function issueCert(privateKey: KeyObject, publicKey: KeyObject, peerId: PeerId): string {
  const notBefore = new Date(Date.now() - 24 * 3600 * 1000); // a day back tolerates skewed clocks
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CERT_VALIDITY_YEARS);
  return createSelfSignedCert({
    privateKey,
    publicKey,
    commonName: `lanspread ${shortPeerId(peerId)}`,
    notBefore,
    notAfter,
  });
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (isErrnoCode(err, 'ENOENT')) return undefined;
    throw new LanspreadError('identity-corrupt', `cannot read ${path}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

function parsePrivateKey(pem: string, path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new LanspreadError(
      'identity-corrupt',
      `${path} does not hold a readable PEM private key: ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new LanspreadError(
      'identity-corrupt',
      `${path} holds a ${key.asymmetricKeyType ?? 'unknown'} key, not ECDSA P-256`,
    );
  }
  return key;
}

function checkCert(pem: string, path: string, peerId: PeerId, keyPath: string): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (err) {
    throw new LanspreadError(
      'identity-corrupt',
      `${path} does not hold a readable PEM certificate: ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
  if (peerIdFromPublicKey(cert.publicKey) !== peerId) {
    throw new LanspreadError(
      'identity-corrupt',
      `${path} certifies a different key than the one in ${keyPath}`,
    );
  }
}

async function writeAtomically(path: string, data: string, mode: number): Promise<void> {
  try {
    await writeFileAtomic(path, data, { mode });
  } catch (err) {
    throw new LanspreadError('state-dir-unusable', `cannot write ${path}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

function isErrnoCode(err: unknown, code: string): boolean {
  return err instanceof Error && 'code' in err && err.code === code;
}
