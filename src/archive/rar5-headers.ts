/** Walks the block headers of a RAR5 archive, seeking past every data area. */
import { crc32 } from 'node:zlib';
import { LanspreadError } from '../errors.js';
import { FieldCursor, decodeVint } from './rar-fields.js';
import {
  addEntry,
  checkEndWithoutEndBlock,
  emptyListing,
  encryptedHeadersResult,
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

interface RawHeader {
  type: number;
  flags: number;
  dataSize: number;
  /** Cursor just after the data-size field. */
  cursor: FieldCursor;
  /** Where the extra area starts and ends in `bytes`. */
  extraStart: number;
  headerEnd: number;
  bytes: Buffer;
  /** File position of the byte after the header. */
  dataOffset: number;
}

async function readHeader(source: ByteSource, pos: number, label: string): Promise<RawHeader> {
  const probe = await source.read(pos, 4 + 3);
  const size = decodeVint(probe, 4);
  if (!size) throw truncated(label, `inside the header at offset ${pos}`);
  if (size.length > 3 || size.value > MAX_HEADER_SIZE || size.value === 0) {
    // A damaged size field is most likely a damaged header: report it as a CRC failure.
    throw new LanspreadError('archive-header-crc', `${label}: bad header size at offset ${pos}`);
  }
  const total = 4 + size.length + size.value;
  const bytes = await source.read(pos, total);
  if (bytes.length < total) throw truncated(label, `inside the header at offset ${pos}`);
  if (crc32(bytes.subarray(4)) !== bytes.readUInt32LE(0)) {
    throw new LanspreadError(
      'archive-header-crc',
      `${label}: header CRC mismatch at offset ${pos} (damaged archive)`,
    );
  }
  const where = `${label} at offset ${pos}`;
  const cursor = new FieldCursor(bytes, 4 + size.length, total, where);
  const type = cursor.vint();
  const flags = cursor.vint();
  const extraSize = flags & HFL_EXTRA ? cursor.vint() : 0;
  const dataSize = flags & HFL_DATA ? cursor.vint() : 0;
  if (extraSize > cursor.remaining) {
    throw new LanspreadError('archive-unreadable', `${where}: extra area larger than its header`);
  }
  return {
    type,
    flags,
    dataSize,
    cursor,
    extraStart: total - extraSize,
    headerEnd: total,
    bytes,
    dataOffset: pos + total,
  };
}

interface FileExtras {
  encrypted: boolean;
  blake2: boolean;
  mtime: Date | null;
  redirect: { kind: RarEntryKind; target: string } | null;
}

function readExtras(header: RawHeader, where: string): FileExtras {
  const extras: FileExtras = { encrypted: false, blake2: false, mtime: null, redirect: null };
  const area = new FieldCursor(header.bytes, header.extraStart, header.headerEnd, where);
  while (area.remaining > 0) {
    const size = area.vint();
    const recordEnd = area.offset + size;
    if (size > area.remaining) {
      throw new LanspreadError('archive-unreadable', `${where}: extra record past header end`);
    }
    const record = new FieldCursor(header.bytes, area.offset, recordEnd, where);
    const type = record.vint();
    if (type === FHEXTRA_CRYPT) {
      extras.encrypted = true;
    } else if (type === FHEXTRA_HASH) {
      extras.blake2 = record.vint() === HASH_BLAKE2;
    } else if (type === FHEXTRA_HTIME) {
      const flags = record.vint();
      if (flags & HTIME_MTIME) {
        extras.mtime =
          flags & HTIME_UNIXTIME
            ? new Date(record.u32() * 1000)
            : new Date(record.u64() / 10000 - FILETIME_EPOCH_MS);
      }
    } else if (type === FHEXTRA_REDIR) {
      const kind = REDIR_KINDS[record.vint()];
      record.vint(); // flags: whether the target is a directory
      const target = record.bytesOf(record.vint()).toString('utf8');
      if (kind) extras.redirect = { kind, target };
    }
    area.offset = recordEnd;
  }
  return extras;
}

function readFileHeader(header: RawHeader, where: string): RarEntry {
  const c = header.cursor;
  const fileFlags = c.vint();
  const unpackedSize = c.vint();
  c.vint(); // attributes
  const headerMtime = fileFlags & FHFL_UTIME ? new Date(c.u32() * 1000) : null;
  const crc = fileFlags & FHFL_CRC32 ? c.u32() : null;
  const compression = c.vint();
  c.vint(); // host OS: names are always stored with '/'
  const name = c.bytesOf(c.vint()).toString('utf8');
  const algorithm = compression & 0x3f;
  const dictBits = Math.floor(compression / 0x400) & 0x1f;
  if (algorithm !== 0 || dictBits > MAX_RAR5_DICT_BITS) {
    // RAR 7 writes algorithm version 1 (dictionaries over 4 GiB); unrar 6 cannot unpack it.
    const fraction = Math.floor(compression / 0x8000) & 0x1f;
    const dictMiB = (2 ** dictBits / 8) * (1 + (algorithm === 0 ? 0 : fraction / 32));
    throw new LanspreadError(
      'archive-unsupported',
      `${where}: ${name} needs RAR 7 (compression algorithm version ${algorithm}, ${dictMiB} MiB dictionary); repack it with RAR 5/6 settings`,
    );
  }
  const extras = readExtras(header, where);
  const kind: RarEntryKind = extras.redirect
    ? extras.redirect.kind
    : fileFlags & FHFL_DIRECTORY
      ? 'dir'
      : 'file';
  return {
    name,
    kind,
    unpackedSize: fileFlags & FHFL_UNPUNKNOWN ? null : unpackedSize,
    packedSize: header.dataSize,
    dataOffset: header.dataOffset,
    crc32: crc,
    hash: crc !== null ? 'crc32' : extras.blake2 ? 'blake2sp' : 'none',
    encrypted: extras.encrypted,
    method: Math.floor(compression / 0x80) & 0x7,
    splitBefore: (header.flags & HFL_SPLIT_BEFORE) !== 0,
    splitAfter: (header.flags & HFL_SPLIT_AFTER) !== 0,
    linkTarget: extras.redirect?.target ?? null,
    mtime: headerMtime ?? extras.mtime,
  };
}

/** Parses a RAR5 archive whose 8-byte signature was already checked. */
export async function parseRar5Headers(
  source: ByteSource,
  label: string,
  opts: ParseOptions = {},
): Promise<ArchiveListing> {
  const listing = emptyListing('rar5');
  let pos = RAR5_SIGNATURE_SIZE;
  while (pos < source.size) {
    const header = await readHeader(source, pos, label);
    const where = `${label} at offset ${pos}`;
    const next = header.dataOffset + header.dataSize;
    if (next > source.size) throw truncated(label, `inside the data area at offset ${pos}`);
    if (header.type === HEAD_CRYPT) return encryptedHeadersResult(listing, label, opts);
    if (header.type === HEAD_END) return listing;
    if (header.type === HEAD_MAIN) {
      const flags = header.cursor.vint();
      const number = flags & MHFL_VOLNUMBER ? header.cursor.vint() : 0;
      listing.solid = (flags & MHFL_SOLID) !== 0;
      const isVolume = (flags & MHFL_VOLUME) !== 0;
      listing.volume = {
        isVolume,
        first: isVolume && number === 0,
        number: isVolume ? number : null,
      };
    } else if (header.type === HEAD_FILE) {
      addEntry(listing, readFileHeader(header, where), label, opts);
    }
    // Service headers (comment, quick open, recovery) and unknown types are skipped.
    pos = next;
  }
  checkEndWithoutEndBlock(listing, label);
  return listing;
}
