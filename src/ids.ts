/** Branded ids and versions, and the parsers that are the only way to make them. */
import { unportableSegment } from './portable-name.js';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Lower-case hex SHA-256 of the peer's public key (SPKI DER). */
export type PeerId = Brand<string, 'PeerId'>;
/**
 * A catalog game id; also the name of the game's folder, so it must be a safe path segment on
 * every system: not `con`, `nul.x` or `com1` (Windows devices), no trailing dot.
 */
export type GameId = Brand<string, 'GameId'>;
/** A game version as written in version.ini and the catalog, e.g. `20250101`. */
export type GameVersion = Brand<string, 'GameVersion'>;
/** A lanspread release as package.json names it, e.g. `0.1.0`; peers tell it each other. */
export type SoftwareVersion = Brand<string, 'SoftwareVersion'>;

const PEER_ID = /^[0-9a-f]{64}$/;
const GAME_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const GAME_VERSION = /^[\x21-\x7e]{1,64}$/;
/** Longest software version a peer tells: semver with a short pre-release or build suffix. */
export const MAX_SOFTWARE_VERSION_LENGTH = 32;
const SOFTWARE_VERSION = new RegExp(`^[0-9A-Za-z.+-]{1,${MAX_SOFTWARE_VERSION_LENGTH}}$`);

export function isPeerId(value: unknown): value is PeerId {
  return typeof value === 'string' && PEER_ID.test(value);
}

/** What `isGameId` accepts, in words for error messages. */
export const GAME_ID_RULE =
  '1-64 of a-z 0-9 . _ -, starting with a letter or digit, no "..", no trailing dot, not a Windows device name such as con or nul.txt';

export function isGameId(value: unknown): value is GameId {
  return (
    typeof value === 'string' &&
    GAME_ID.test(value) &&
    !value.includes('..') &&
    unportableSegment(value) === null
  );
}

export function isGameVersion(value: unknown): value is GameVersion {
  return typeof value === 'string' && GAME_VERSION.test(value);
}

/** Printable and short, so a remote's claim can be shown as it is. */
export function isSoftwareVersion(value: unknown): value is SoftwareVersion {
  return typeof value === 'string' && SOFTWARE_VERSION.test(value);
}

/** Short form of a peer id for people (logs, names). */
export function shortPeerId(id: PeerId): string {
  return id.slice(0, 12);
}
