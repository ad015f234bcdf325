/** A game's cover art as the catalog carries it: PNG, JPEG or WebP bytes, recognised by their magic bytes. */
import { LanspreadError } from '../errors.js';
import { formatBytes } from '../human-units.js';

/**
 * At most 2 MiB a cover: a 600×900 capsule is 50–300 KiB, so this leaves room for a large one
 * while a catalog of a few hundred games stays a file one hands around (and holds in memory).
 */
export const MAX_COVER_BYTES = 2 * 1024 * 1024;

export type CoverType = 'image/png' | 'image/jpeg' | 'image/webp';

export interface CoverImage {
  readonly type: CoverType;
  readonly bytes: Uint8Array;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];
const RIFF = [0x52, 0x49, 0x46, 0x46];
const WEBP = [0x57, 0x45, 0x42, 0x50];

function startsWith(bytes: Uint8Array, magic: readonly number[], at = 0): boolean {
  return magic.every((b, i) => bytes[at + i] === b);
}

/** The image type the bytes begin with; null for anything else (GIF, SVG, text …). */
export function coverTypeOf(bytes: Uint8Array): CoverType | null {
  if (startsWith(bytes, PNG_MAGIC)) return 'image/png';
  if (startsWith(bytes, JPEG_MAGIC)) return 'image/jpeg';
  if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8)) return 'image/webp';
  return null;
}

/** Why an image of `size` bytes cannot be a cover, or null: one can know before reading it. */
export function coverSizeProblem(size: number): string | null {
  if (size <= MAX_COVER_BYTES) return null;
  return `the image is ${size} bytes, over the ${MAX_COVER_BYTES} (${formatBytes(MAX_COVER_BYTES)}) a cover may have`;
}

/** The bytes as a cover, or why they are none. */
export function checkCover(bytes: Uint8Array): CoverImage | string {
  const tooLarge = coverSizeProblem(bytes.length);
  if (tooLarge !== null) return tooLarge;
  const type = coverTypeOf(bytes);
  return type === null ? 'the image is not a PNG, JPEG or WebP file' : { type, bytes };
}

/** The bytes as a cover, or `cover-invalid` naming `what` and the reason. */
export function toCoverImage(bytes: Uint8Array, what: string): CoverImage {
  const cover = checkCover(bytes);
  if (typeof cover === 'string') throw new LanspreadError('cover-invalid', `${what}: ${cover}`);
  return cover;
}
