/** What the RAR header parsers report, and the byte source they read from. */
import { LanspreadError } from '../errors.js';

export type RarEntryKind = 'file' | 'dir' | 'symlink' | 'hardlink' | 'file-copy' | 'junction';

export interface RarEntry {
  /** As stored, with '/' separators. */
  name: string;
  kind: RarEntryKind;
  /** null when the archive says the size is unknown. */
  unpackedSize: number | null;
  /** Bytes of this entry's data area in this volume. */
  packedSize: number;
  /** Position of the data area in this volume's file. */
  dataOffset: number;
  /**
   * The stored CRC32: of this volume's part when `splitAfter`, transformed by the password for
   * encrypted RAR5 entries; null when the entry has no CRC32.
   */
  crc32: number | null;
  hash: 'crc32' | 'blake2sp' | 'none';
  encrypted: boolean;
  /** 0 = stored, 1..5 = fastest..best. */
  method: number;
  splitBefore: boolean;
  splitAfter: boolean;
  /** The link target when the header records it (RAR5 redirections, small stored RAR4 links). */
  linkTarget: string | null;
  /** Milliseconds since 1970, as `fs.Stats.mtimeMs`: a Date would double the size of an entry. */
  mtimeMs: number | null;
}

export interface ArchiveListing {
  format: 'rar4' | 'rar5';
  solid: boolean;
  /** `number` counts from 0 for the first volume; null when the archive does not say. */
  volume: { isVolume: boolean; first: boolean; number: number | null };
  /** Headers are encrypted, so `entries` is empty. */
  encryptedHeaders: boolean;
  entries: RarEntry[];
}

/** Random access to the archive bytes; lets the parsers run on files and on memory alike. */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes at `position`; fewer only at the end of the source. */
  read(position: number, length: number): Promise<Buffer>;
  /**
   * The bytes the source holds in memory already (its read-ahead), if any: a parser of small
   * headers reads them from there, without a wait or a Buffer view per header (a game's
   * archives may hold 200,000 headers of some 40 bytes). A read may replace it.
   */
  readonly buffered?: BufferedBytes;
}

/** Bytes of a source held in memory: `bytes[i]` is the byte at `start + i` of the source. */
export interface BufferedBytes {
  readonly bytes: Buffer;
  readonly start: number;
}

export interface ParseOptions {
  /** Report encrypted headers as a listing instead of failing with `archive-encrypted`. */
  allowEncryptedHeaders?: boolean;
  /**
   * Fail with `archive-too-many-entries` at the entry past this many, before listing the rest:
   * a listing's memory grows with its entries, and headers cost a few dozen bytes each.
   */
  maxEntries?: number;
}

/** Adds a parsed entry to the listing, keeping to `opts.maxEntries`. */
export function addEntry(
  listing: ArchiveListing,
  entry: RarEntry,
  label: string,
  opts: ParseOptions,
): void {
  if (opts.maxEntries !== undefined && listing.entries.length >= opts.maxEntries) {
    throw new LanspreadError(
      'archive-too-many-entries',
      `${label}: more than ${opts.maxEntries} entries`,
    );
  }
  listing.entries.push(entry);
}

export function emptyListing(format: 'rar4' | 'rar5'): ArchiveListing {
  return {
    format,
    solid: false,
    volume: { isVolume: false, first: false, number: null },
    encryptedHeaders: false,
    entries: [],
  };
}

/** Encrypted headers: a listing with no entries when allowed, an error otherwise. */
export function encryptedHeadersResult(
  listing: ArchiveListing,
  label: string,
  opts: ParseOptions,
): ArchiveListing {
  if (!opts.allowEncryptedHeaders) {
    throw new LanspreadError(
      'archive-encrypted',
      `${label}: the archive headers are encrypted (made with a password); it cannot be listed`,
    );
  }
  return { ...listing, encryptedHeaders: true, entries: [] };
}

export function truncated(label: string, what: string): LanspreadError {
  return new LanspreadError('archive-truncated', `${label}: the archive is truncated (${what})`);
}

/**
 * An archive that stops without an end-of-archive block is cut short, unless it is a volume
 * whose last entry continues in the next volume (some writers omit the block there).
 */
export function checkEndWithoutEndBlock(listing: ArchiveListing, label: string): void {
  const last = listing.entries.at(-1);
  if (listing.volume.isVolume && last?.splitAfter) return;
  throw truncated(label, 'no end-of-archive block');
}
