import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LanspreadError } from '../../../src/errors.js';
import { isPeerId } from '../../../src/ids.js';
import { loadOrCreateIdentity, peerIdFromPublicKey } from '../../../src/identity/index.js';
import { silentLogger } from '../../../src/logger.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lanspread-identity-'));
  dirs.push(dir);
  return dir;
}
after(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

test('the same state dir gives the same identity across loads', async () => {
  const dir = await tempDir();
  const first = await loadOrCreateIdentity(dir, silentLogger);
  const second = await loadOrCreateIdentity(dir, silentLogger);
  assert.ok(isPeerId(first.peerId));
  assert.equal(second.peerId, first.peerId);
  assert.equal(second.keyPem, first.keyPem);
  assert.equal(second.certPem, first.certPem);
});

test('different state dirs give different ids', async () => {
  const a = await loadOrCreateIdentity(await tempDir(), silentLogger);
  const b = await loadOrCreateIdentity(await tempDir(), silentLogger);
  assert.notEqual(a.peerId, b.peerId);
});

test('the id is the fingerprint of the certificate public key, and of the private key', async () => {
  const identity = await loadOrCreateIdentity(await tempDir(), silentLogger);
  const cert = new X509Certificate(identity.certPem);
  assert.equal(peerIdFromPublicKey(cert.publicKey), identity.peerId);
  assert.equal(peerIdFromPublicKey(createPrivateKey(identity.keyPem)), identity.peerId);
  assert.equal(peerIdFromPublicKey(createPublicKey(identity.keyPem)), identity.peerId);
});

test('the certificate is a valid long-lived self-signed P-256 certificate named after the id', async () => {
  const identity = await loadOrCreateIdentity(await tempDir(), silentLogger);
  const cert = new X509Certificate(identity.certPem);
  assert.equal(cert.subject, `CN=lanspread ${identity.peerId.slice(0, 12)}`);
  assert.equal(cert.issuer, cert.subject);
  assert.ok(cert.verify(cert.publicKey), 'signed by its own key');
  assert.ok(cert.checkPrivateKey(createPrivateKey(identity.keyPem)));
  assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.equal(cert.ca, false);
  const years = (Date.parse(cert.validTo) - Date.now()) / (365.25 * 24 * 3600 * 1000);
  assert.ok(years > 19 && years < 21, `valid for about 20 years, got ${years}`);
  assert.ok(Date.parse(cert.validFrom) <= Date.now());
});

test('the key file is private to the user', { skip: process.platform === 'win32' }, async () => {
  const dir = await tempDir();
  await loadOrCreateIdentity(dir, silentLogger);
  const mode = (await stat(join(dir, 'identity-key.pem'))).mode & 0o777;
  assert.equal(mode & 0o077, 0, `mode ${mode.toString(8)}`);
});

test('a corrupt key file gives identity-corrupt and is not overwritten', async () => {
  const dir = await tempDir();
  const keyPath = join(dir, 'identity-key.pem');
  await writeFile(keyPath, 'not a key\n');
  await assert.rejects(loadOrCreateIdentity(dir, silentLogger), (err: unknown) => {
    assert.ok(err instanceof LanspreadError);
    assert.equal(err.code, 'identity-corrupt');
    assert.match(err.message, /identity-key\.pem/);
    return true;
  });
  assert.equal(await readFile(keyPath, 'utf8'), 'not a key\n');
});

test('a corrupt certificate gives identity-corrupt naming the file', async () => {
  const dir = await tempDir();
  await loadOrCreateIdentity(dir, silentLogger);
  await writeFile(
    join(dir, 'identity-cert.pem'),
    '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
  );
  await assert.rejects(loadOrCreateIdentity(dir, silentLogger), (err: unknown) => {
    assert.ok(err instanceof LanspreadError);
    assert.equal(err.code, 'identity-corrupt');
    assert.match(err.message, /identity-cert\.pem/);
    return true;
  });
});

test('a certificate of another key gives identity-corrupt', async () => {
  const dir = await tempDir();
  await loadOrCreateIdentity(dir, silentLogger);
  const other = await loadOrCreateIdentity(await tempDir(), silentLogger);
  await writeFile(join(dir, 'identity-cert.pem'), other.certPem);
  await assert.rejects(loadOrCreateIdentity(dir, silentLogger), { code: 'identity-corrupt' });
});

test('a missing certificate is reissued for the same key, keeping the id', async () => {
  const dir = await tempDir();
  const first = await loadOrCreateIdentity(dir, silentLogger);
  await rm(join(dir, 'identity-cert.pem'));
  const second = await loadOrCreateIdentity(dir, silentLogger);
  assert.equal(second.peerId, first.peerId);
  assert.equal(peerIdFromPublicKey(new X509Certificate(second.certPem).publicKey), first.peerId);
});

test('a missing state dir is created', async () => {
  const dir = join(await tempDir(), 'nested', 'state');
  const identity = await loadOrCreateIdentity(dir, silentLogger);
  assert.ok(isPeerId(identity.peerId));
});
