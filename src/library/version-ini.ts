/** Parses version.ini, the sentinel whose first non-empty line is the version of a complete game root. */
import { isGameVersion, type GameVersion } from '../ids.js';

export function parseVersionIni(text: string): GameVersion | null {
  // Written by Windows tools as often as by us, so tolerate a BOM and any line ending.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  for (const line of body.split(/\r\n|\r|\n/)) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    return isGameVersion(trimmed) ? trimmed : null;
  }
  return null;
}

/** Decodes version.ini bytes: UTF-8 unless a UTF-16 LE byte-order mark says otherwise. */
export function decodeVersionIni(bytes: Uint8Array): string {
  const utf16 = bytes[0] === 0xff && bytes[1] === 0xfe;
  return new TextDecoder(utf16 ? 'utf-16le' : 'utf-8').decode(bytes);
}
