/** The sink that writes a provider's entries into the staging folder and checks each one. */
import { constants } from 'node:fs';
import { open, utimes, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { EntrySink, PlannedFile } from '../archive/index.js';
import { LanspreadError } from '../errors.js';

// No symlink exists in staging while files are written (links are made last), and O_NOFOLLOW
// makes sure the final component is never one either.
const WRITE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

/**
 * Accepts exactly the expected files in order (`expected` yields the next one) and checks the
 * size and CRC32 of the bytes actually produced: providers may emit an entry before they report
 * its CRC error, and a streaming source may lie.
 */
export class StagingWriter implements EntrySink {
  #file: PlannedFile | null = null;
  #handle: FileHandle | null = null;
  #written = 0;
  #crc = 0;

  constructor(
    private readonly staging: string,
    private readonly label: string,
    private readonly expected: () => PlannedFile | undefined,
  ) {}

  async beginFile(name: string): Promise<void> {
    const file = this.expected();
    if (file?.name !== name) {
      throw new LanspreadError(
        'archive-unsafe-entry',
        `${this.label}: the extractor produced ${name}, the archive headers list ${file?.name ?? 'nothing more'}`,
      );
    }
    this.#file = file;
    this.#written = 0;
    this.#crc = 0;
    this.#handle = await open(join(this.staging, file.path), WRITE_FLAGS, 0o644);
  }

  async write(bytes: Buffer): Promise<void> {
    const file = this.#file;
    const handle = this.#handle;
    if (file === null || handle === null) throw new Error('write outside an entry');
    this.#written += bytes.length;
    if (this.#written > file.size) throw this.#damaged(file, `more than its ${file.size} bytes`);
    this.#crc = crc32(bytes, this.#crc);
    for (let off = 0; off < bytes.length;) {
      const { bytesWritten } = await handle.write(bytes, off, bytes.length - off);
      off += bytesWritten;
    }
  }

  async endFile(): Promise<void> {
    const file = this.#file;
    if (file === null || this.#handle === null) throw new Error('end outside an entry');
    await this.#closeHandle();
    this.#file = null;
    if (this.#written !== file.size) {
      throw this.#damaged(file, `${this.#written} bytes where the header says ${file.size}`);
    }
    if (file.crc32 !== null && this.#crc !== file.crc32) {
      throw this.#damaged(file, `CRC32 ${hex(this.#crc)} where the header says ${hex(file.crc32)}`);
    }
    if (file.mtime !== null) await utimes(join(this.staging, file.path), file.mtime, file.mtime);
  }

  /** The CRC32 of the last file written, for a sender's trailer to be checked against. */
  get lastCrc32(): number {
    return this.#crc;
  }

  /** Closes the open file, if any; the caller removes the staging folder. */
  async close(): Promise<void> {
    await this.#closeHandle();
  }

  async #closeHandle(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close();
  }

  #damaged(file: PlannedFile, what: string): LanspreadError {
    return new LanspreadError(
      'archive-data-crc',
      `${this.label}: ${file.name} unpacked to ${what}`,
    );
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
