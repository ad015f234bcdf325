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
  /**
   * Takes each entry as it is read, in archive order, instead of the listing (whose `entries`
   * then stay empty): a planner of 200,000 entries keeps what it makes of them, not them too.
   * What it throws ends the parse.
   */
  onEntry?: (entry: RarEntry) => void;
}

/** The listing a parser fills: entries kept to `opts.maxEntries`, or handed to `opts.onEntry`. */
export class ListingBuilder {
  readonly listing: ArchiveListing;
  #count = 0;
  #last: RarEntry | null = null;

  constructor(
    format: 'rar4' | 'rar5',
    private readonly label: string,
    private readonly opts: ParseOptions,
  ) {
    this.listing = {
      format,
      solid: false,
      volume: { isVolume: false, first: false, number: null },
      encryptedHeaders: false,
      entries: [],
    };
  }

  add(entry: RarEntry): void {
    const { maxEntries, onEntry } = this.opts;
    if (maxEntries !== undefined && this.#count >= maxEntries) {
      throw new LanspreadError(
        'archive-too-many-entries',
        `${this.label}: more than ${maxEntries} entries`,
      );
    }
    this.#count++;
    this.#last = entry;
    if (onEntry) onEntry(entry);
    else this.listing.entries.push(entry);
  }

  /** Encrypted headers: a listing with no entries when allowed, an error otherwise. */
  encryptedHeaders(): ArchiveListing {
    if (!this.opts.allowEncryptedHeaders) {
      throw new LanspreadError(
        'archive-encrypted',
        `${this.label}: the archive headers are encrypted (made with a password); it cannot be listed`,
      );
    }
    return { ...this.listing, encryptedHeaders: true, entries: [] };
  }

  /**
   * An archive that stops without an end-of-archive block is cut short, unless it is a volume
   * whose last entry continues in the next volume (some writers omit the block there).
   */
  endWithoutEndBlock(): ArchiveListing {
    if (this.listing.volume.isVolume && this.#last?.splitAfter) return this.listing;
    throw truncated(this.label, 'no end-of-archive block');
  }
}

export function truncated(label: string, what: string): LanspreadError {
  return new LanspreadError('archive-truncated', `${label}: the archive is truncated (${what})`);
}
