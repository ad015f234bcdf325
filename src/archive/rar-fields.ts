/** Byte-level field codecs shared by the RAR writer and the RAR header parsers. */
import { LanspreadError } from '../errors.js';

/** RAR5 variable-length integer: 7 bits per byte, least significant first, high bit = more. */
export function encodeVint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new LanspreadError('archive-source-invalid', `cannot encode ${value} as a RAR5 vint`);
  }
  const out: number[] = [];
  let rest = value;
  // Arithmetic, not bit operators: sizes go beyond 32 bits.
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return Uint8Array.from(out);
}

/** A RAR5 vint at `offset`, or null when `bytes` ends before its last byte. */
export function decodeVint(
  bytes: Uint8Array,
  offset: number,
): { value: number; length: number } | null {
  let value = 0;
  // A vint holds at most 64 bits, so 10 bytes; anything past 2^53 is refused by the caller.
  for (let i = 0, scale = 1; i < 10; i++, scale *= 0x80) {
    const byte = bytes[offset + i];
    if (byte === undefined) return null;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return { value, length: i + 1 };
  }
  return { value: Number.POSITIVE_INFINITY, length: 10 };
}

/**
 * Reads little-endian fields of one header that already passed its CRC check, so running off
 * its end or meeting an absurd number means a malformed archive, not a short read. It reads by
 * index and allocates nothing but the values: a game's archives may hold 200,000 headers.
 */
export class FieldCursor {
  /**
   * `label` and `at` (the header's file position) name the header in errors. `end` may be
   * moved to bound the fields of one record inside the header.
   */
  constructor(
    private readonly bytes: Buffer,
    public offset: number,
    public end: number,
    private readonly label: string,
    private readonly at: number,
  ) {}

  get remaining(): number {
    return this.end - this.offset;
  }

  private malformed(what: string): LanspreadError {
    return new LanspreadError(
      'archive-unreadable',
      `${this.label} at offset ${this.at}: malformed header (${what})`,
    );
  }

  private take(length: number): number {
    if (length > this.end - this.offset) throw this.malformed('field runs past the header end');
    const at = this.offset;
    this.offset += length;
    return at;
  }

  /** A vint, as `decodeVint` reads it, but bounded by `end` and without an object per field. */
  vint(): number {
    let value = 0;
    // A multiplier, not `2 ** (7 * i)`: that is a call to pow per byte.
    for (let i = 0, scale = 1; i < 10; i++, scale *= 0x80) {
      if (this.offset + i >= this.end) throw this.malformed('field runs past the header end');
      const byte = this.bytes[this.offset + i] ?? 0;
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (!Number.isSafeInteger(value)) throw this.malformed('number too large');
        this.offset += i + 1;
        return value;
      }
    }
    throw this.malformed('number too large');
  }

  u8(): number {
    return this.bytes.readUInt8(this.take(1));
  }

  u16(): number {
    return this.bytes.readUInt16LE(this.take(2));
  }

  u32(): number {
    return this.bytes.readUInt32LE(this.take(4));
  }

  /** A 64-bit field as a number; precision past 2^53 is not needed for times. */
  u64(): number {
    const at = this.take(8);
    return this.bytes.readUInt32LE(at) + this.bytes.readUInt32LE(at + 4) * 2 ** 32;
  }

  bytesOf(length: number): Buffer {
    const at = this.take(length);
    return this.bytes.subarray(at, at + length);
  }

  /** `length` bytes decoded as UTF-8, straight from the header (no view of it in between). */
  utf8(length: number): string {
    const at = this.take(length);
    return this.bytes.toString('utf8', at, at + length);
  }
}
