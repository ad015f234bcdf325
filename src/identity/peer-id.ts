/** The peer id: the SHA-256 fingerprint of a public key, the same on both sides of TLS. */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { LanspreadError } from '../errors.js';
import { isPeerId, type PeerId } from '../ids.js';

/** Lower-case hex SHA-256 of the key's SPKI DER; a private key gives the id of its public half. */
export function peerIdFromPublicKey(key: KeyObject): PeerId {
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  const id = createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
  // A SHA-256 hex digest always is one; the check only turns the string into the branded type.
  if (!isPeerId(id))
    throw new LanspreadError('identity-corrupt', `fingerprint ${id} is not a peer id`);
  return id;
}
