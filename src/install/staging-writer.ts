/** The sink that writes a provider's entries into the staging folder and checks each one. */
import { constants } from 'node:fs';
import { open, utimes, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { EntryCheck, type EntrySink, type PlannedFile } from '../archive/index.js';

// No symlink exists in staging while files are written (links are made last), and O_NOFOLLOW
// makes sure the final component is never one either.
const WRITE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

/**
 * Writes the expected files in order (`expected` yields the next one), each checked by name,
 * size and CRC32 (`EntryCheck`), into the staging folder.
 */
export class StagingWriter implements EntrySink {
  readonly #check: EntryCheck;
  #handle: FileHandle | null = null;

  constructor(
    private readonly staging: string,
    label: string,
    expected: () => PlannedFile | undefined,
  ) {
    this.#check = new EntryCheck(label, expected);
  }

  async beginFile(name: string): Promise<void> {
    const file = this.#check.begin(name);
    this.#handle = await open(join(this.staging, file.path), WRITE_FLAGS, 0o644);
  }

  async write(bytes: Buffer): Promise<void> {
    this.#check.add(bytes);
    const handle = this.#handle;
    if (handle === null) throw new Error('write outside an entry');
    for (let off = 0; off < bytes.length;) {
      const { bytesWritten } = await handle.write(bytes, off, bytes.length - off);
      off += bytesWritten;
    }
  }

  async endFile(): Promise<void> {
    await this.#closeHandle();
    const file = this.#check.end();
    if (file.mtimeMs !== null) {
      const seconds = file.mtimeMs / 1000;
      await utimes(join(this.staging, file.path), seconds, seconds);
    }
  }

  /** The CRC32 of the last file written, for a sender's trailer to be checked against. */
  get lastCrc32(): number {
    return this.#check.crc32;
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
}
