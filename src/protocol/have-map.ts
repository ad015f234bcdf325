/**
 * The have-map of a partial holding (docs/protocol.md, "Partial holdings"): one bit per chunk of
 * the manifest in digest order, the first chunk in the high bit of the first byte, sent as base64.
 */

/**
 * Most chunks a have-map may cover: 512 GiB at 32 MiB chunks. Its base64 is then 2,732
 * characters, so a message of the most holdings stays far below a control frame; a larger game
 * is simply not advertised while it downloads.
 */
export const MAX_HAVE_CHUNKS = 16_384;

/** Characters of the base64 of a have-map over `chunks` chunks (padded). */
export function haveMapBase64Length(chunks: number): number {
  return 4 * Math.ceil(Math.ceil(chunks / 8) / 3);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class HaveMap {
  readonly chunks: number;
  readonly #bits: Uint8Array;
  #count = 0;

  constructor(chunks: number, bits?: Uint8Array) {
    this.chunks = chunks;
    this.#bits = bits ?? new Uint8Array(Math.ceil(chunks / 8));
    if (bits !== undefined) for (let i = 0; i < chunks; i++) if (this.has(i)) this.#count++;
  }

  /**
   * The map `text` encodes over `chunks` chunks; null when it is not canonical base64 of exactly
   * the right length, or sets a bit past the last chunk.
   */
  static decode(text: string, chunks: number): HaveMap | null {
    if (!Number.isInteger(chunks) || chunks < 1 || chunks > MAX_HAVE_CHUNKS) return null;
    if (text.length !== haveMapBase64Length(chunks) || !BASE64.test(text)) return null;
    const bits = Buffer.from(text, 'base64');
    if (bits.length !== Math.ceil(chunks / 8)) return null;
    const spare = bits.length * 8 - chunks;
    if (spare > 0 && ((bits[bits.length - 1] ?? 0) & ((1 << spare) - 1)) !== 0) return null;
    return new HaveMap(chunks, new Uint8Array(bits));
  }

  has(index: number): boolean {
    if (index < 0 || index >= this.chunks) return false;
    return ((this.#bits[index >> 3] ?? 0) & (0x80 >> (index & 7))) !== 0;
  }

  /** Sets the bit of chunk `index`; true when it was not set. */
  set(index: number): boolean {
    if (index < 0 || index >= this.chunks || this.has(index)) return false;
    const at = index >> 3;
    this.#bits[at] = (this.#bits[at] ?? 0) | (0x80 >> (index & 7));
    this.#count++;
    return true;
  }

  /** Chunks held. */
  get count(): number {
    return this.#count;
  }

  get complete(): boolean {
    return this.#count === this.chunks;
  }

  encode(): string {
    return Buffer.from(this.#bits).toString('base64');
  }
}
