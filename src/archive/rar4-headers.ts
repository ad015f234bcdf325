/** Walks the block headers of a RAR 1.5-4.x archive, seeking past every data area. */
import { crc32 } from 'node:zlib';
import { LanspreadError } from '../errors.js';
import { FieldCursor } from './rar-fields.js';
import {
  ListingBuilder,
  truncated,
  type ArchiveListing,
  type ByteSource,
  type ParseOptions,
  type RarEntry,
} from './rar-listing.js';

export const RAR4_SIGNATURE_SIZE = 7;

const BASE_HEADER_SIZE = 7;
const HEAD_MAIN = 0x73;
const HEAD_FILE = 0x74;
const HEAD_SERVICE = 0x7a;
const HEAD_END = 0x7b;
const FLAG_ADD_SIZE = 0x8000;
const MHD_VOLUME = 0x0001;
const MHD_SOLID = 0x0008;
const MHD_PASSWORD = 0x0080;
const MHD_FIRSTVOLUME = 0x0100;
const LHD_SPLIT_BEFORE = 0x0001;
const LHD_SPLIT_AFTER = 0x0002;
const LHD_PASSWORD = 0x0004;
const LHD_WINDOWMASK = 0x00e0;
const LHD_DIRECTORY = 0x00e0;
const LHD_LARGE = 0x0100;
const LHD_UNICODE = 0x0200;
const EARC_DATACRC = 0x0002;
const EARC_VOLNUMBER = 0x0008;
const METHOD_STORE = 0x30;
const HOST_UNIX = 3;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
// A RAR4 symlink keeps its target as the entry data; read it only when it is small and plain.
const MAX_LINK_TARGET = 4096;

/** RAR 3.x packs a Unicode name as a compact diff against the ASCII name before it. */
function decodeUnicodeName(ascii: Buffer, packed: Buffer): string {
  const out: number[] = [];
  let pos = 0;
  const next = (): number => packed[pos++] ?? 0;
  const highByte = next();
  let flags = 0;
  let flagBits = 0;
  while (pos < packed.length) {
    if (flagBits === 0) {
      flags = next();
      flagBits = 8;
    }
    switch (flags >> 6) {
      case 0:
        out.push(next());
        break;
      case 1:
        out.push(next() + (highByte << 8));
        break;
      case 2:
        out.push(next() + (next() << 8));
        break;
      default: {
        let length = next();
        const correction = length & 0x80 ? next() : null;
        for (length = (length & 0x7f) + 2; length > 0 && out.length < ascii.length; length--) {
          const byte = ascii[out.length] ?? 0;
          out.push(correction === null ? byte : ((byte + correction) & 0xff) + (highByte << 8));
        }
      }
    }
    flags = (flags << 2) & 0xff;
    flagBits -= 2;
  }
  return String.fromCharCode(...out);
}

function decodeName(raw: Buffer, unicode: boolean): string {
  const zero = raw.indexOf(0);
  if (unicode && zero !== -1)
    return decodeUnicodeName(raw.subarray(0, zero), raw.subarray(zero + 1));
  // RAR 5+ writes UTF-8 names under the Unicode flag; older ones use the OEM code page.
  const utf8 = raw.toString('utf8');
  return unicode || !utf8.includes('\uFFFD') ? utf8 : raw.toString('latin1');
}

/** DOS date and time, in the local time of the machine that made the archive. */
function dosTime(value: number): number {
  const date = value >>> 16;
  return new Date(
    (date >> 9) + 1980,
    ((date >> 5) & 0x0f) - 1,
    date & 0x1f,
    (value >> 11) & 0x1f,
    (value >> 5) & 0x3f,
    (value & 0x1f) * 2,
  ).getTime();
}

function readFileHeader(c: FieldCursor, flags: number, dataOffset: number): RarEntry {
  const lowPacked = c.u32();
  const lowUnpacked = c.u32();
  const host = c.u8();
  const crc = c.u32();
  const mtimeMs = dosTime(c.u32());
  c.u8(); // version needed to unpack
  const method = c.u8();
  const nameSize = c.u16();
  const attributes = c.u32();
  const highPacked = flags & LHD_LARGE ? c.u32() : 0;
  const highUnpacked = flags & LHD_LARGE ? c.u32() : 0;
  const unknownSize =
    lowUnpacked === 0xffffffff && (!(flags & LHD_LARGE) || highUnpacked === 0xffffffff);
  // RAR4 stores '\' as the path separator whatever the host, so no name holds a real '\'.
  const name = decodeName(c.bytesOf(nameSize), (flags & LHD_UNICODE) !== 0).replaceAll('\\', '/');
  const symlink = host === HOST_UNIX && (attributes & S_IFMT) === S_IFLNK;
  const dir = (flags & LHD_WINDOWMASK) === LHD_DIRECTORY;
  return {
    name,
    kind: dir ? 'dir' : symlink ? 'symlink' : 'file',
    unpackedSize: unknownSize ? null : lowUnpacked + highUnpacked * 2 ** 32,
    packedSize: lowPacked + highPacked * 2 ** 32,
    dataOffset,
    crc32: crc,
    hash: 'crc32',
    encrypted: (flags & LHD_PASSWORD) !== 0,
    method: method - METHOD_STORE,
    splitBefore: (flags & LHD_SPLIT_BEFORE) !== 0,
    splitAfter: (flags & LHD_SPLIT_AFTER) !== 0,
    linkTarget: null,
    mtimeMs,
  };
}

/** Fills in the target of a small, stored, plain, whole symlink from its data area. */
async function readLinkTarget(source: ByteSource, entry: RarEntry): Promise<void> {
  const plain = !entry.encrypted && !entry.splitBefore && !entry.splitAfter;
  if (entry.kind !== 'symlink' || !plain || entry.method !== 0) return;
  if (entry.packedSize > MAX_LINK_TARGET) return;
  const data = await source.read(entry.dataOffset, entry.packedSize);
  entry.linkTarget = data.toString('utf8');
}

/** Parses a RAR4 archive whose 7-byte signature was already checked. */
export async function parseRar4Headers(
  source: ByteSource,
  label: string,
  opts: ParseOptions = {},
): Promise<ArchiveListing> {
  const builder = new ListingBuilder('rar4', label, opts);
  const { listing } = builder;
  let pos = RAR4_SIGNATURE_SIZE;
  let sawMain = false;
  while (pos < source.size) {
    const probe = await source.read(pos, BASE_HEADER_SIZE);
    if (probe.length < BASE_HEADER_SIZE) throw truncated(label, `inside the header at ${pos}`);
    const headSize = probe.readUInt16LE(5);
    if (headSize < BASE_HEADER_SIZE) {
      throw new LanspreadError('archive-header-crc', `${label}: bad header size at offset ${pos}`);
    }
    const bytes = await source.read(pos, headSize);
    if (bytes.length < headSize) throw truncated(label, `inside the header at offset ${pos}`);
    // RAR4 keeps the low 16 bits of the CRC32 of the header after the CRC field.
    if ((crc32(bytes.subarray(2)) & 0xffff) !== bytes.readUInt16LE(0)) {
      throw new LanspreadError(
        'archive-header-crc',
        `${label}: header CRC mismatch at offset ${pos} (damaged archive)`,
      );
    }
    const type = bytes.readUInt8(2);
    const flags = bytes.readUInt16LE(3);
    const c = new FieldCursor(bytes, BASE_HEADER_SIZE, headSize, label, pos);
    const dataOffset = pos + headSize;
    let dataSize = flags & FLAG_ADD_SIZE ? (bytes.length >= 11 ? bytes.readUInt32LE(7) : 0) : 0;
    if (type === HEAD_SERVICE && flags & LHD_LARGE && bytes.length >= 36) {
      // Service blocks share the file header layout, high 32 bits of the size included.
      dataSize += bytes.readUInt32LE(32) * 2 ** 32;
    }
    if (type === HEAD_MAIN) {
      sawMain = true;
      listing.solid = (flags & MHD_SOLID) !== 0;
      const isVolume = (flags & MHD_VOLUME) !== 0;
      listing.volume = {
        isVolume,
        first: isVolume && (flags & MHD_FIRSTVOLUME) !== 0,
        number: null,
      };
      // Every header after this one is encrypted.
      if (flags & MHD_PASSWORD) return builder.encryptedHeaders();
    } else if (type === HEAD_FILE) {
      const entry = readFileHeader(c, flags, dataOffset);
      dataSize = entry.packedSize;
      if (dataOffset + dataSize > source.size) {
        throw truncated(label, `inside the data area at offset ${pos}`);
      }
      await readLinkTarget(source, entry);
      builder.add(entry);
    } else if (type === HEAD_END) {
      if (listing.volume.isVolume && flags & EARC_VOLNUMBER) {
        if (flags & EARC_DATACRC) c.u32();
        const number = c.u16();
        listing.volume.number = number;
        listing.volume.first ||= number === 0;
      }
      return listing;
    }
    if (!sawMain) {
      throw new LanspreadError(
        'archive-unreadable',
        `${label} at offset ${pos}: no main header after signature`,
      );
    }
    // Comment, recovery, service and unknown blocks are skipped by their declared data size.
    pos = dataOffset + dataSize;
    if (pos > source.size) throw truncated(label, `inside the data area at offset ${dataOffset}`);
  }
  return builder.endWithoutEndBlock();
}
