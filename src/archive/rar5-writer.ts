/** A streaming writer of stored (uncompressed) RAR5 archives, for `lanspread pack` and test fixtures. */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { LanspreadError, errorMessage } from '../errors.js';
import { encodeVint } from './rar-fields.js';

// Re-exported so the writer's callers and tests keep their import.
export { encodeVint };

/**
 * One entry to archive: a directory, a file whose bytes come from disk or from memory, or a
 * link as RAR5 records it (a redirection, no data): a Unix symlink to `target` as written, or
 * a hard link / file copy of `target`, an earlier file entry of the archive.
 */
export type Rar5SourceEntry =
  | { name: string; kind: 'dir'; mtime: Date }
  | { name: string; kind: 'file'; mtime: Date; source: { path: string } | { bytes: Uint8Array } }
  | { name: string; kind: Rar5LinkKind; mtime: Date; target: string };

export type Rar5LinkKind = 'symlink' | 'hardlink' | 'file-copy';

export interface Rar5WriteOptions {
  signal?: AbortSignal;
}

/** `bytes` is the size of the archive written. */
export interface Rar5WriteResult {
  entries: number;
  bytes: number;
}

const SIGNATURE = Uint8Array.of(0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x01, 0x00);
const HEAD_MAIN = 1;
const HEAD_FILE = 2;
const HEAD_END = 5;
const HFL_EXTRA = 0x0001;
const HFL_DATA = 0x0002;
const FHFL_DIRECTORY = 0x0001;
const FHFL_UTIME = 0x0002;
const FHFL_CRC32 = 0x0004;
const HOST_UNIX = 1;
// Unix hosts store the whole st_mode: libarchive takes the file type from these bits.
const MODE_FILE = 0o100644;
const MODE_DIR = 0o040755;
const MODE_SYMLINK = 0o120777;
const FHEXTRA_REDIR = 5;
const REDIR_TYPES: Record<Rar5LinkKind, number> = { symlink: 1, hardlink: 4, 'file-copy': 5 };
// libarchive refuses names of 2048 bytes or more.
const MAX_NAME_BYTES = 2047;
// Readers take the header size from at most 3 vint bytes.
const MAX_HEADER_SIZE = 0x1fffff;
const IO_CHUNK = 4 * 1024 * 1024;
// A read smaller than this flushes the staging buffer first, so that file reads stay large.
const MIN_READ = 1024 * 1024;

function uint32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0, true);
  return out;
}

/** Frames a header body (type field to end) with its CRC32 and size fields. */
function frameHeader(body: Uint8Array): { bytes: Buffer; bodyOffset: number } {
  if (body.length > MAX_HEADER_SIZE) {
    throw new LanspreadError('archive-source-invalid', 'RAR5 header too large');
  }
  const size = encodeVint(body.length);
  const bytes = Buffer.concat([new Uint8Array(4), size, body]);
  bytes.writeUInt32LE(crc32(bytes.subarray(4)), 0);
  return { bytes, bodyOffset: 4 + size.length };
}

function encodeMainHeader(): Buffer {
  // Header flags 0, archive flags 0: a single-volume, non-solid archive without locator.
  return frameHeader(Buffer.concat([encodeVint(HEAD_MAIN), encodeVint(0), encodeVint(0)])).bytes;
}

function encodeEndHeader(): Buffer {
  // End-of-archive flags 0: not a volume that continues in another one.
  return frameHeader(Buffer.concat([encodeVint(HEAD_END), encodeVint(0), encodeVint(0)])).bytes;
}

function unixSeconds(mtime: Date, name: string): number {
  const ms = mtime.getTime();
  if (Number.isNaN(ms)) {
    throw new LanspreadError('archive-source-invalid', `invalid modification time for ${name}`);
  }
  // The uint32 field cannot hold times before 1970 or after 2106.
  return Math.min(Math.max(Math.floor(ms / 1000), 0), 0xffffffff);
}

interface Rar5FileHeaderFields {
  name: string;
  kind: 'dir' | 'file' | Rar5LinkKind;
  /** The bytes of data that follow; for a hard link or copy, the size of the file it repeats. */
  size: number;
  mtime: Date;
  dataCrc: number;
  /** A link's target, recorded in a redirection extra record. */
  target?: string;
}

/** The extra area of a link: one redirection record (type, flags 0, target name). */
function redirectionExtra(kind: Rar5LinkKind, target: string): Buffer {
  const name = Buffer.from(target, 'utf8');
  const record = Buffer.concat([
    encodeVint(FHEXTRA_REDIR),
    encodeVint(REDIR_TYPES[kind]),
    encodeVint(0),
    encodeVint(name.length),
    name,
  ]);
  return Buffer.concat([encodeVint(record.length), record]);
}

function modeOf(kind: Rar5FileHeaderFields['kind']): number {
  if (kind === 'dir') return MODE_DIR;
  return kind === 'symlink' ? MODE_SYMLINK : MODE_FILE;
}

/**
 * Encodes a file header. Directories, empty files and links still carry a data-size field (of
 * 0): libarchive rejects file headers without one. A link has no data; like rar, it keeps a
 * zero data CRC32 and, for a hard link or copy, the unpacked size of the file it repeats.
 * `dataCrcOffset` locates the data CRC32 field.
 */
function encodeFileHeader(fields: Rar5FileHeaderFields): {
  bytes: Buffer;
  dataCrcOffset: number;
} {
  const { kind } = fields;
  const isDir = kind === 'dir';
  const link = isDir || kind === 'file' ? null : kind;
  const unpacked = isDir ? 0 : fields.size;
  const dataSize = isDir || link !== null ? 0 : fields.size;
  const extra = link === null ? Buffer.alloc(0) : redirectionExtra(link, fields.target ?? '');
  const nameBytes = Buffer.from(fields.name, 'utf8');
  const head = Buffer.concat([
    encodeVint(HEAD_FILE),
    encodeVint(extra.length > 0 ? HFL_EXTRA | HFL_DATA : HFL_DATA),
    ...(extra.length > 0 ? [encodeVint(extra.length)] : []),
    encodeVint(dataSize),
    encodeVint(isDir ? FHFL_DIRECTORY | FHFL_UTIME : FHFL_UTIME | FHFL_CRC32),
    encodeVint(unpacked),
    encodeVint(modeOf(kind)),
    uint32(unixSeconds(fields.mtime, fields.name)),
  ]);
  const tail = Buffer.concat([
    // Compression info 0: algorithm version 0, not solid, method 0 (store), smallest dictionary.
    encodeVint(0),
    encodeVint(HOST_UNIX),
    encodeVint(nameBytes.length),
    nameBytes,
    extra,
  ]);
  const body = isDir
    ? Buffer.concat([head, tail])
    : Buffer.concat([head, uint32(fields.dataCrc), tail]);
  const { bytes, bodyOffset } = frameHeader(body);
  return { bytes, dataCrcOffset: isDir ? -1 : bodyOffset + head.length };
}

/** Sets the data CRC32 of an encoded file header and recomputes its header CRC32. */
function patchDataCrc(header: Buffer, dataCrcOffset: number, dataCrc: number): void {
  header.writeUInt32LE(dataCrc >>> 0, dataCrcOffset);
  header.writeUInt32LE(crc32(header.subarray(4)), 0);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function invalidName(name: string, why: string): LanspreadError {
  return new LanspreadError(
    'archive-source-invalid',
    `unsafe entry name ${JSON.stringify(name)}: ${why}`,
  );
}

/** Rejects text no reader takes as a name: empty, NUL, broken Unicode, too long. */
function validateText(name: string): void {
  if (name === '') throw invalidName(name, 'empty');
  if (name.includes('\0')) throw invalidName(name, 'contains a NUL character');
  if (LONE_SURROGATE.test(name)) throw invalidName(name, 'not valid Unicode');
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) {
    throw invalidName(name, `longer than ${MAX_NAME_BYTES} bytes`);
  }
}

/** Rejects any name that could land outside the extraction root or that readers mangle. */
function validateEntryName(name: string): void {
  validateText(name);
  if (name.includes('\\')) throw invalidName(name, 'contains a backslash');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw invalidName(name, 'absolute path');
  for (const segment of name.split('/')) {
    if (segment === '') throw invalidName(name, 'empty path segment');
    if (segment === '.' || segment === '..') throw invalidName(name, `"${segment}" segment`);
  }
}

/**
 * Names valid and unique, hard links and copies of an earlier file entry. A symlink's target is
 * written as given (it may climb with `..`): whether it stays inside is the reader's check.
 */
function validateEntries(entries: readonly Rar5SourceEntry[]): void {
  const names = new Set<string>();
  const regular = new Set<string>();
  // Files and links: neither can be the parent of another entry.
  const files = new Set<string>();
  for (const entry of entries) {
    validateEntryName(entry.name);
    if (names.has(entry.name)) {
      throw new LanspreadError('archive-source-invalid', `duplicate entry name ${entry.name}`);
    }
    if (entry.kind === 'symlink') validateText(entry.target);
    if (entry.kind === 'hardlink' || entry.kind === 'file-copy') {
      if (!regular.has(entry.target)) {
        throw new LanspreadError(
          'archive-source-invalid',
          `${entry.name}: a ${entry.kind} must repeat an earlier file entry, not ${entry.target}`,
        );
      }
    }
    names.add(entry.name);
    if (entry.kind === 'file') regular.add(entry.name);
    if (entry.kind !== 'dir') files.add(entry.name);
  }
  for (const name of names) {
    for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
      if (files.has(name.slice(0, i))) {
        throw new LanspreadError(
          'archive-source-invalid',
          `entry ${name} lies under ${name.slice(0, i)}, which is a file`,
        );
      }
    }
  }
}

async function writeFully(
  fh: FileHandle,
  buf: Uint8Array,
  length: number,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesWritten } = await fh.write(buf, done, length - done, position + done);
    done += bytesWritten;
  }
}

/**
 * Sequential output through two large staging buffers: one fills while the other is written,
 * and bytes already handed out can still be patched in place.
 */
class ArchiveOutput {
  private current = Buffer.allocUnsafe(IO_CHUNK);
  private spare = Buffer.allocUnsafe(IO_CHUNK);
  private used = 0;
  /** File position of current[0]. */
  private bufferStart = 0;
  private inFlight: Promise<void> | null = null;
  private failure: { error: unknown } | null = null;

  constructor(private readonly fh: FileHandle) {}

  get position(): number {
    return this.bufferStart + this.used;
  }

  /** The free tail of the staging buffer, at least `min` bytes long. */
  async room(min: number): Promise<Buffer> {
    if (IO_CHUNK - this.used < min) await this.flush();
    return this.current.subarray(this.used);
  }

  commit(length: number): void {
    this.used += length;
  }

  async append(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const room = await this.room(1);
      const n = Math.min(room.length, bytes.length - done);
      room.set(bytes.subarray(done, done + n));
      this.commit(n);
      done += n;
    }
  }

  /** Overwrites bytes at an earlier position, on disk or still in the staging buffer. */
  async patch(position: number, bytes: Uint8Array): Promise<void> {
    const onDisk = Math.min(bytes.length, Math.max(0, this.bufferStart - position));
    if (onDisk > 0) {
      await this.settle();
      await writeFully(this.fh, bytes, onDisk, position);
    }
    if (onDisk < bytes.length) {
      this.current.set(bytes.subarray(onDisk), position + onDisk - this.bufferStart);
    }
  }

  /** Hands the filled buffer to a background write and switches to the other one. */
  async flush(): Promise<void> {
    await this.settle();
    if (this.used === 0) return;
    const buf = this.current;
    const length = this.used;
    // The rejection is kept and rethrown by settle(), so it is never unhandled.
    this.inFlight = writeFully(this.fh, buf, length, this.bufferStart).catch((error: unknown) => {
      this.failure = { error };
    });
    this.current = this.spare;
    this.spare = buf;
    this.bufferStart += length;
    this.used = 0;
  }

  /** Waits for the background write and rethrows its failure. */
  async settle(): Promise<void> {
    const inFlight = this.inFlight;
    this.inFlight = null;
    if (inFlight) await inFlight;
    if (this.failure) throw this.failure.error;
  }

  async finish(): Promise<void> {
    await this.flush();
    await this.settle();
  }
}

/** Streams one source file into the archive and returns the CRC32 of its bytes. */
async function copyFileData(
  output: ArchiveOutput,
  source: FileHandle,
  size: number,
  name: string,
  signal: AbortSignal | undefined,
): Promise<number> {
  const changed = (): LanspreadError =>
    new LanspreadError('archive-source-invalid', `${name} changed while it was being read`);
  let crc = 0;
  let done = 0;
  while (done < size) {
    signal?.throwIfAborted();
    const room = await output.room(Math.min(MIN_READ, size - done));
    const want = Math.min(room.length, size - done);
    const { bytesRead } = await source.read(room, 0, want, done);
    if (bytesRead === 0) throw changed();
    crc = crc32(room.subarray(0, bytesRead), crc);
    output.commit(bytesRead);
    done += bytesRead;
  }
  const probe = Buffer.alloc(1);
  const { bytesRead } = await source.read(probe, 0, 1, size);
  if (bytesRead !== 0) throw changed();
  return crc;
}

/**
 * Writes one entry and returns the size of its file (0 for the others). `sizes` holds the sizes
 * of the files written before it, which a hard link or copy records as its own.
 */
async function writeEntry(
  output: ArchiveOutput,
  entry: Rar5SourceEntry,
  sizes: ReadonlyMap<string, number>,
  signal: AbortSignal | undefined,
): Promise<number> {
  if (entry.kind === 'dir' || entry.kind === 'symlink') {
    await output.append(encodeFileHeader({ ...entry, size: 0, dataCrc: 0 }).bytes);
    return 0;
  }
  if (entry.kind !== 'file') {
    const size = sizes.get(entry.target) ?? 0;
    await output.append(encodeFileHeader({ ...entry, size, dataCrc: 0 }).bytes);
    return 0;
  }
  if ('bytes' in entry.source) {
    const { bytes } = entry.source;
    const header = encodeFileHeader({ ...entry, size: bytes.length, dataCrc: crc32(bytes) });
    await output.append(header.bytes);
    await output.append(bytes);
    return bytes.length;
  }
  const sourcePath = entry.source.path;
  const source = await open(sourcePath, 'r').catch((err: unknown) => {
    throw new LanspreadError(
      'archive-source-invalid',
      `cannot read ${sourcePath}: ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  });
  try {
    const before = await source.stat();
    if (!before.isFile()) {
      throw new LanspreadError('archive-source-invalid', `${sourcePath} is not a regular file`);
    }
    const header = encodeFileHeader({ ...entry, size: before.size, dataCrc: 0 });
    const headerPosition = output.position;
    await output.append(header.bytes);
    const dataCrc = await copyFileData(output, source, before.size, sourcePath, signal);
    const after = await source.stat();
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
      throw new LanspreadError(
        'archive-source-invalid',
        `${sourcePath} changed while it was being read`,
      );
    }
    // Sizes were final from the start, so only the two CRC fields change.
    patchDataCrc(header.bytes, header.dataCrcOffset, dataCrc);
    await output.patch(headerPosition, header.bytes);
    return before.size;
  } finally {
    await source.close();
  }
}

function asArchiveError(err: unknown, outFile: string, signal: AbortSignal | undefined): unknown {
  if (err instanceof LanspreadError) return err;
  if (signal?.aborted && err === signal.reason) return err;
  return new LanspreadError('archive-unreadable', `cannot write ${outFile}: ${errorMessage(err)}`, {
    cause: err,
  });
}

/**
 * Writes `entries`, in the given order, as a stored RAR5 archive. The archive is built under a
 * temporary name beside `outFile` and renamed into place, so a failure leaves nothing behind.
 */
export async function writeStoredRar5(
  outFile: string,
  entries: readonly Rar5SourceEntry[],
  opts: Rar5WriteOptions = {},
): Promise<Rar5WriteResult> {
  const { signal } = opts;
  signal?.throwIfAborted();
  validateEntries(entries);
  const partial = `${outFile}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  let fh: FileHandle | null = null;
  let output: ArchiveOutput | null = null;
  try {
    fh = await open(partial, 'wx');
    output = new ArchiveOutput(fh);
    await output.append(SIGNATURE);
    await output.append(encodeMainHeader());
    const sizes = new Map<string, number>();
    for (const entry of entries) {
      signal?.throwIfAborted();
      const size = await writeEntry(output, entry, sizes, signal);
      if (entry.kind === 'file') sizes.set(entry.name, size);
    }
    await output.append(encodeEndHeader());
    await output.finish();
    const bytes = output.position;
    await fh.close();
    fh = null;
    await rename(partial, outFile);
    return { entries: entries.length, bytes };
  } catch (err) {
    // The first error is the one reported; a background write failing too adds nothing.
    await output?.settle().catch(() => undefined);
    await fh?.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw asArchiveError(err, outFile, signal);
  }
}
