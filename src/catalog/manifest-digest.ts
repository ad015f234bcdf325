/** The catalog's manifest digest: one SHA-256 naming a game root's exact files (docs/protocol.md). */
import { createHash } from 'node:crypto';

/**
 * Chunk size of the manifest a digest is computed over: 32 MiB, the default transfer chunk size,
 * so a download at the default size compares the manifest it fetched for the transfer anyway.
 */
export const DIGEST_CHUNK_SIZE = 32 * 1024 * 1024;

/** The first bytes of the encoding: names the definition, so a later one cannot collide. */
const MAGIC = Buffer.from('LSMD1', 'ascii');
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A digest is written as 64 lower-case hex digits, like the chunk hashes it covers. */
export function isDigest(text: string): boolean {
  return SHA256_HEX.test(text);
}

/** What the digest covers of a manifest: structurally the wire `manifest`, so any of its shapes fits. */
export interface DigestedManifest {
  readonly chunk_size: number;
  readonly files: readonly {
    readonly path: string;
    readonly size: number;
    readonly chunks: readonly string[];
  }[];
}

/**
 * Lower-case hex SHA-256 of the manifest's canonical encoding; null when the manifest is not at
 * DIGEST_CHUNK_SIZE or not self-consistent (a chunk count that does not fit its size, a hash
 * that is not 64 lower-case hex digits, a path listed twice): no such manifest matches a digest.
 */
export function digestManifest(manifest: DigestedManifest): string | null {
  const encoding = encodeManifest(manifest);
  return encoding === null ? null : createHash('sha256').update(encoding).digest('hex');
}

/**
 * `LSMD1`, u32 chunk size, u32 file count, then per file in byte-wise order of its UTF-8 path:
 * u32 path length, path, u64 size, each chunk's 32-byte SHA-256. Integers big-endian; every
 * field is length-prefixed or fixed, so two different manifests never encode alike.
 */
export function encodeManifest(manifest: DigestedManifest): Buffer | null {
  const chunkSize = manifest.chunk_size;
  if (chunkSize !== DIGEST_CHUNK_SIZE) return null;
  const files = inDigestOrder(manifest.files);
  const parts: Buffer[] = [MAGIC, u32(chunkSize), u32(files.length)];
  let previous: Buffer | null = null;
  for (const file of files) {
    if (previous?.equals(file.pathBytes) === true) return null;
    previous = file.pathBytes;
    if (!Number.isSafeInteger(file.size) || file.size < 0) return null;
    if (file.chunks.length !== Math.ceil(file.size / chunkSize)) return null;
    if (!file.chunks.every((h) => SHA256_HEX.test(h))) return null;
    const size = Buffer.alloc(8);
    size.writeBigUInt64BE(BigInt(file.size));
    parts.push(u32(file.pathBytes.length), file.pathBytes, size);
    for (const hash of file.chunks) parts.push(Buffer.from(hash, 'hex'));
  }
  return Buffer.concat(parts);
}

/** The files in the digest's order: ascending by the bytes of their UTF-8 path. */
export function inDigestOrder<F extends { readonly path: string }>(
  files: readonly F[],
): (F & { pathBytes: Buffer })[] {
  const sorted = files.map((f) => ({ ...f, pathBytes: Buffer.from(f.path, 'utf8') }));
  sorted.sort((a, b) => Buffer.compare(a.pathBytes, b.pathBytes));
  return sorted;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
