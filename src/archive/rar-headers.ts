/** Lists a RAR4 or RAR5 archive from its headers alone, in constant memory. */
import { open, type FileHandle } from 'node:fs/promises';
import { LanspreadError, errorMessage } from '../errors.js';
import type { ArchiveListing, BufferedBytes, ByteSource, ParseOptions } from './rar-listing.js';
import { parseRar4Headers } from './rar4-headers.js';
import { parseRar5Headers } from './rar5-headers.js';

const RAR4_SIGNATURE = Buffer.from('Rar!\x1a\x07\x00', 'latin1');
const RAR5_SIGNATURE = Buffer.from('Rar!\x1a\x07\x01\x00', 'latin1');
// "Rar!\x1a\x07" then a format byte: 0 = RAR4, 1 = RAR5, higher = a future format.
const RAR_FAMILY = Buffer.from('Rar!\x1a\x07', 'latin1');
const RAR14_SIGNATURE = Buffer.from('RE~^', 'latin1');

/** Parses headers from any byte source; `label` names the archive in error messages. */
export async function parseArchiveHeaders(
  source: ByteSource,
  label: string,
  opts: ParseOptions = {},
): Promise<ArchiveListing> {
  const head = await source.read(0, RAR5_SIGNATURE.length);
  if (head.subarray(0, RAR5_SIGNATURE.length).equals(RAR5_SIGNATURE)) {
    return parseRar5Headers(source, label, opts);
  }
  if (head.subarray(0, RAR4_SIGNATURE.length).equals(RAR4_SIGNATURE)) {
    return parseRar4Headers(source, label, opts);
  }
  const why = head.subarray(0, RAR14_SIGNATURE.length).equals(RAR14_SIGNATURE)
    ? 'a RAR 1.4 archive, too old to be supported'
    : head.subarray(0, RAR_FAMILY.length).equals(RAR_FAMILY)
      ? 'a RAR archive of a format newer than RAR5'
      : 'not a RAR archive';
  throw new LanspreadError('archive-unsupported', `${label}: ${why}`);
}

/** Bytes read ahead at each read: a header is read at once, and small entries' headers together. */
const READ_AHEAD = 64 * 1024;

/**
 * Reads through a read-ahead window: the parsers read each header in two steps (its size, then
 * all of it), and headers of small entries lie close together, so most reads are served from
 * memory rather than one system call each (80,000 headers: 6 s before, well under 1 s now).
 */
class FileSource implements ByteSource {
  /** A fresh buffer each time, so the slices handed out stay valid. */
  #window: BufferedBytes = { bytes: Buffer.alloc(0), start: 0 };

  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  get buffered(): BufferedBytes {
    return this.#window;
  }

  async read(position: number, length: number): Promise<Buffer> {
    const want = Math.max(0, Math.min(length, this.size - position));
    const { bytes, start } = this.#window;
    if (position < start || position + want > start + bytes.length) {
      const read = await this.#readAt(position, Math.max(want, READ_AHEAD));
      this.#window = { bytes: read, start: position };
      return read.subarray(0, Math.min(want, read.length));
    }
    return bytes.subarray(position - start, position - start + want);
  }

  async #readAt(position: number, length: number): Promise<Buffer> {
    const buf = Buffer.alloc(Math.max(0, Math.min(length, this.size - position)));
    let done = 0;
    while (done < buf.length) {
      const { bytesRead } = await this.fh.read(buf, done, buf.length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buf.subarray(0, done);
  }
}

/**
 * Lists the entries of the RAR archive (or one volume of a set) at `path`, reading headers only.
 * Fails with `archive-unsupported`, `archive-encrypted`, `archive-truncated`,
 * `archive-header-crc` or `archive-unreadable`.
 */
export async function readArchiveHeaders(
  path: string,
  opts: ParseOptions = {},
): Promise<ArchiveListing> {
  let fh: FileHandle | null = null;
  try {
    fh = await open(path, 'r');
    const { size } = await fh.stat();
    return await parseArchiveHeaders(new FileSource(fh, size), path, opts);
  } catch (err) {
    if (err instanceof LanspreadError) throw err;
    throw new LanspreadError('archive-unreadable', `cannot read ${path}: ${errorMessage(err)}`, {
      cause: err,
    });
  } finally {
    await fh?.close();
  }
}
