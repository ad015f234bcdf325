/** Walks the block headers of a RAR5 archive, seeking past every data area. */
import { crc32 } from 'node:zlib';
import { LanspreadError } from '../errors.js';
import { FieldCursor, decodeVint } from './rar-fields.js';
import {
  ListingBuilder,
  truncated,
  type ArchiveListing,
  type ByteSource,
  type ParseOptions,
  type RarEntry,
  type RarEntryKind,
} from './rar-listing.js';

export const RAR5_SIGNATURE_SIZE = 8;

const HEAD_MAIN = 1;
const HEAD_FILE = 2;
const HEAD_CRYPT = 4;
const HEAD_END = 5;
const HFL_EXTRA = 0x0001;
const HFL_DATA = 0x0002;
const HFL_SPLIT_BEFORE = 0x0008;
const HFL_SPLIT_AFTER = 0x0010;
const MHFL_VOLUME = 0x0001;
const MHFL_VOLNUMBER = 0x0002;
const MHFL_SOLID = 0x0004;
const FHFL_DIRECTORY = 0x0001;
const FHFL_UTIME = 0x0002;
const FHFL_CRC32 = 0x0004;
const FHFL_UNPUNKNOWN = 0x0008;
const FHEXTRA_CRYPT = 1;
const FHEXTRA_HASH = 2;
const FHEXTRA_HTIME = 3;
const FHEXTRA_REDIR = 5;
const HASH_BLAKE2 = 0;
const HTIME_UNIXTIME = 0x0001;
const HTIME_MTIME = 0x0002;
const REDIR_KINDS: Record<number, RarEntryKind> = {
  1: 'symlink', // Unix symlink
  2: 'symlink', // Windows symlink
  3: 'junction',
  4: 'hardlink',
  5: 'file-copy',
};
// The spec caps the size field at 3 vint bytes, so no header exceeds 2 MiB.
const MAX_HEADER_SIZE = 0x1fffff;
// RAR 5.x (algorithm version 0) allows dictionaries up to 128 KiB << 15 = 4 GiB.
const MAX_RAR5_DICT_BITS = 15;
// FILETIME counts 100 ns ticks from 1601-01-01; this many ms separate it from the Unix epoch.
const FILETIME_EPOCH_MS = 11644473600000;

/** The fields every RAR5 block header starts with; `c` is left at the type-specific fields. */
interface BlockHeader {
  type: number;
  flags: number;
  dataSize: number;
  c: FieldCursor;
  /** Where the extra area starts in the cursor's bytes; it runs to the cursor's end. */
  extraStart: number;
  /** File positions of the header and of the byte after it. */
  pos: number;
  dataOffset: number;
  label: string;
}

/**
 * What the parser reads headers from, `bytes[i]` being the byte at `base + i` of the source:
 * the source's read-ahead when it holds the header, else what a read of it gave. Fields are
 * read by index, so a header of some 40 bytes costs no wait, no Buffer view and no object per
 * field (80,000 headers: the GC came first in a profile).
 */
class HeaderBytes {
  bytes: Buffer = Buffer.alloc(0);
  base = 0;

  constructor(private readonly source: ByteSource) {}

  /** Whether `bytes` hold [pos, pos + length), pointing them at the source's memory if needed. */
  holds(pos: number, length: number): boolean {
    if (pos >= this.base && pos + length <= this.base + this.bytes.length) return true;
    const held = this.source.buffered;
    if (held === undefined || pos < held.start || pos + length > held.start + held.bytes.length) {
      return false;
    }
    this.bytes = held.bytes;
    this.base = held.start;
    return true;
  }

  /** Reads [pos, pos + length) into `bytes`; fewer at the end of the source. */
  async read(pos: number, length: number): Promise<void> {
    this.bytes = await this.source.read(pos, length);
    this.base = pos;
  }
}

/** Bytes of the header at `pos` after its CRC field, from its first 7 bytes in `r`. */
function headerLength(r: HeaderBytes, pos: number, label: string): number {
  const at = pos - r.base + 4;
  const size = decodeVint(r.bytes, at);
  // Without its end in 3 bytes the field is damaged, whether or not more bytes follow.
  if (!size && r.bytes.length - at < 3)
    throw truncated(label, `inside the header at offset ${pos}`);
  if (!size || size.length > 3 || size.value > MAX_HEADER_SIZE || size.value === 0) {
    // A damaged size field is most likely a damaged header: report it as a CRC failure.
    throw new LanspreadError('archive-header-crc', `${label}: bad header size at offset ${pos}`);
  }
  return size.length + size.value;
}

/**
 * Checks the CRC of the header at `pos`, `length` bytes after the CRC field, all in `r`, and
 * reads the fields every header starts with.
 */
function blockHeader(r: HeaderBytes, pos: number, length: number, label: string): BlockHeader {
  const { bytes } = r;
  const at = pos - r.base;
  if (bytes.length - at < 4 + length) throw truncated(label, `inside the header at offset ${pos}`);
  // A plain Uint8Array view costs a fraction of a Buffer one.
  if (
    crc32(new Uint8Array(bytes.buffer, bytes.byteOffset + at + 4, length)) !==
    bytes.readUInt32LE(at)
  ) {
    throw new LanspreadError(
      'archive-header-crc',
      `${label}: header CRC mismatch at offset ${pos} (damaged archive)`,
    );
  }
  const end = at + 4 + length;
  const c = new FieldCursor(bytes, at + 4, end, label, pos);
  c.vint(); // the size, read already
  const type = c.vint();
  const flags = c.vint();
  const extraSize = flags & HFL_EXTRA ? c.vint() : 0;
  const dataSize = flags & HFL_DATA ? c.vint() : 0;
  if (extraSize > c.remaining) {
    throw new LanspreadError(
      'archive-unreadable',
      `${label} at offset ${pos}: extra area larger than its header`,
    );
  }
  const extraStart = end - extraSize;
  return { type, flags, dataSize, c, extraStart, pos, dataOffset: pos + 4 + length, label };
}

/** Names the header in messages; built only for one, not for every header. */
function where(header: BlockHeader): string {
  return `${header.label} at offset ${header.pos}`;
}

interface FileExtras {
  encrypted: boolean;
  blake2: boolean;
  mtimeMs: number | null;
  /** Set with `target` by a redirection record of a kind we know. */
  redirect: RarEntryKind | null;
  target: string;
}

/** Reads the extra records of a file header, each bounded by its own size. */
function readExtras(header: BlockHeader): FileExtras {
  const extras: FileExtras = {
    encrypted: false,
    blake2: false,
    mtimeMs: null,
    redirect: null,
    target: '',
  };
  const c = header.c;
  const headerEnd = c.end;
  c.offset = header.extraStart;
  while (c.offset < headerEnd) {
    const size = c.vint();
    if (size > c.remaining) {
      throw new LanspreadError(
        'archive-unreadable',
        `${where(header)}: extra record past header end`,
      );
    }
    const recordEnd = c.offset + size;
    c.end = recordEnd;
    const type = c.vint();
    if (type === FHEXTRA_CRYPT) {
      extras.encrypted = true;
    } else if (type === FHEXTRA_HASH) {
      extras.blake2 = c.vint() === HASH_BLAKE2;
    } else if (type === FHEXTRA_HTIME) {
      const flags = c.vint();
      if (flags & HTIME_MTIME) {
        extras.mtimeMs =
          flags & HTIME_UNIXTIME ? c.u32() * 1000 : c.u64() / 10000 - FILETIME_EPOCH_MS;
      }
    } else if (type === FHEXTRA_REDIR) {
      const kind = REDIR_KINDS[c.vint()];
      c.vint(); // flags: whether the target is a directory
      const target = c.utf8(c.vint());
      if (kind) {
        extras.redirect = kind;
        extras.target = target;
      }
    }
    c.offset = recordEnd;
    c.end = headerEnd;
  }
  return extras;
}

function readFileHeader(header: BlockHeader): RarEntry {
  const c = header.c;
  const fileFlags = c.vint();
  const unpackedSize = c.vint();
  c.vint(); // attributes
  const headerMtime = fileFlags & FHFL_UTIME ? c.u32() * 1000 : null;
  const crc = fileFlags & FHFL_CRC32 ? c.u32() : null;
  const compression = c.vint();
  c.vint(); // host OS: names are always stored with '/'
  const name = c.utf8(c.vint());
  const algorithm = compression & 0x3f;
  const dictBits = Math.floor(compression / 0x400) & 0x1f;
  if (algorithm !== 0 || dictBits > MAX_RAR5_DICT_BITS) {
    // RAR 7 writes algorithm version 1 (dictionaries over 4 GiB); unrar 6 cannot unpack it.
    const fraction = Math.floor(compression / 0x8000) & 0x1f;
    const dictMiB = (2 ** dictBits / 8) * (1 + (algorithm === 0 ? 0 : fraction / 32));
    throw new LanspreadError(
      'archive-unsupported',
      `${where(header)}: ${name} needs RAR 7 (compression algorithm version ${algorithm}, ${dictMiB} MiB dictionary); repack it with RAR 5/6 settings`,
    );
  }
  const extras = readExtras(header);
  return {
    name,
    kind: extras.redirect ?? (fileFlags & FHFL_DIRECTORY ? 'dir' : 'file'),
    unpackedSize: fileFlags & FHFL_UNPUNKNOWN ? null : unpackedSize,
    packedSize: header.dataSize,
    dataOffset: header.dataOffset,
    crc32: crc,
    hash: crc !== null ? 'crc32' : extras.blake2 ? 'blake2sp' : 'none',
    encrypted: extras.encrypted,
    method: Math.floor(compression / 0x80) & 0x7,
    splitBefore: (header.flags & HFL_SPLIT_BEFORE) !== 0,
    splitAfter: (header.flags & HFL_SPLIT_AFTER) !== 0,
    linkTarget: extras.redirect !== null ? extras.target : null,
    mtimeMs: headerMtime ?? extras.mtimeMs,
  };
}

/** Parses a RAR5 archive whose 8-byte signature was already checked. */
export async function parseRar5Headers(
  source: ByteSource,
  label: string,
  opts: ParseOptions = {},
): Promise<ArchiveListing> {
  const builder = new ListingBuilder('rar5', label, opts);
  const { listing } = builder;
  const r = new HeaderBytes(source);
  let pos = RAR5_SIGNATURE_SIZE;
  while (pos < source.size) {
    // The CRC, then the size of the rest (up to 3 bytes), then the rest.
    if (!r.holds(pos, 4 + 3)) await r.read(pos, 4 + 3);
    const length = headerLength(r, pos, label);
    if (!r.holds(pos, 4 + length)) await r.read(pos, 4 + length);
    const header = blockHeader(r, pos, length, label);
    const next = header.dataOffset + header.dataSize;
    if (next > source.size) throw truncated(label, `inside the data area at offset ${pos}`);
    if (header.type === HEAD_CRYPT) return builder.encryptedHeaders();
    if (header.type === HEAD_END) return listing;
    if (header.type === HEAD_MAIN) {
      const flags = header.c.vint();
      const number = flags & MHFL_VOLNUMBER ? header.c.vint() : 0;
      listing.solid = (flags & MHFL_SOLID) !== 0;
      const isVolume = (flags & MHFL_VOLUME) !== 0;
      listing.volume = {
        isVolume,
        first: isVolume && number === 0,
        number: isVolume ? number : null,
      };
    } else if (header.type === HEAD_FILE) {
      builder.add(readFileHeader(header));
    }
    // Service headers (comment, quick open, recovery) and unknown types are skipped.
    pos = next;
  }
  return builder.endWithoutEndBlock();
}
