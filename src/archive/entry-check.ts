/**
 * Checks what a provider extracts against the archive's plan: the entries in the planned order,
 * and each one's size and CRC32 over the bytes actually produced. A provider may emit an entry
 * before it reports its CRC error, and a streaming source may lie; both sinks (the installer's
 * staging writer and the stream server's sender) check through this one.
 */
import { crc32 } from 'node:zlib';
import { LanspreadError } from '../errors.js';
import type { PlannedFile } from './archive-plan.js';

export class EntryCheck {
  #file: PlannedFile | null = null;
  #size = 0;
  #crc = 0;

  /** `expected` yields the next planned file; `label` names the archive set in errors. */
  constructor(
    private readonly label: string,
    private readonly expected: () => PlannedFile | undefined,
  ) {}

  /** The planned file an entry called `name` must be; another name is `archive-unsafe-entry`. */
  begin(name: string): PlannedFile {
    const file = this.expected();
    if (file?.name !== name) {
      throw new LanspreadError(
        'archive-unsafe-entry',
        `${this.label}: the extractor produced ${name}, the archive headers list ${file?.name ?? 'nothing more'}`,
      );
    }
    this.#file = file;
    this.#size = 0;
    this.#crc = 0;
    return file;
  }

  /** Counts bytes of the current entry; more than its size is `archive-data-crc` at once. */
  add(bytes: Buffer): PlannedFile {
    const file = this.#current('write');
    this.#size += bytes.length;
    if (this.#size > file.size) throw this.#damaged(file, `more than its ${file.size} bytes`);
    this.#crc = crc32(bytes, this.#crc);
    return file;
  }

  /** The entry ended: its size and CRC32 must be the header's (`archive-data-crc`). */
  end(): PlannedFile {
    const file = this.#current('end');
    this.#file = null;
    if (this.#size !== file.size) {
      throw this.#damaged(file, `${this.#size} bytes where the header says ${file.size}`);
    }
    if (file.crc32 !== null && this.#crc !== file.crc32) {
      throw this.#damaged(file, `CRC32 ${hex(this.#crc)} where the header says ${hex(file.crc32)}`);
    }
    return file;
  }

  /** The CRC32 of the bytes of the last (or current) entry. */
  get crc32(): number {
    return this.#crc;
  }

  #current(what: string): PlannedFile {
    if (this.#file === null) throw new Error(`${what} outside an entry`);
    return this.#file;
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
