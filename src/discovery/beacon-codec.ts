/**
 * The broadcast beacon datagram (pure). It is UTF-8 JSON, at most 256 bytes:
 * `{"app":"lanspread","v":1,"id":"<64 hex peer id>","port":<TCP listen port>,"sw":"0.1.0"}`.
 * `v` is the beacon format; a receiver ignores datagrams of another `app` or `v`, and keys it
 * does not know, so a later format can add keys (`sw`, the sender's lanspread release, came so;
 * older beacons lack it, and one that is not a release is ignored). A beacon is only a hint of an
 * address to dial.
 */
import { isPeerId, isSoftwareVersion, type PeerId, type SoftwareVersion } from '../ids.js';

const BEACON_APP = 'lanspread';
const BEACON_FORMAT = 1;
/** Our own beacons stay below this. */
const BEACON_MAX_SEND_BYTES = 256;
/** Anything larger is not parsed at all. */
const BEACON_MAX_RECEIVE_BYTES = 512;

export interface BeaconMessage {
  peerId: PeerId;
  port: number;
  /** The sender's lanspread release; null when its beacon names none (or no valid one). */
  software: SoftwareVersion | null;
}

export function encodeBeacon(message: BeaconMessage): Buffer {
  const bytes = Buffer.from(
    JSON.stringify({
      app: BEACON_APP,
      v: BEACON_FORMAT,
      id: message.peerId,
      port: message.port,
      ...(message.software === null ? {} : { sw: message.software }),
    }),
  );
  if (bytes.length > BEACON_MAX_SEND_BYTES) throw new RangeError('beacon over 256 bytes');
  return bytes;
}

/** The beacon in `bytes`, or null when it is oversized, malformed or not ours. */
export function decodeBeacon(bytes: Uint8Array): BeaconMessage | null {
  if (bytes.length > BEACON_MAX_RECEIVE_BYTES) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { app, v, id, port, sw } = value as Record<string, unknown>;
  if (app !== BEACON_APP || v !== BEACON_FORMAT || !isPeerId(id)) return null;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { peerId: id, port, software: isSoftwareVersion(sw) ? sw : null };
}
