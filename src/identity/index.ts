/** This peer's identity: key pair, self-signed certificate and the peer id derived from the key. */
export { loadOrCreateIdentity, type Identity } from './identity.js';
export { peerIdFromPublicKey } from './peer-id.js';
