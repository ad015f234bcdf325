/** The plurality vote among the manifests of catalog-version sources (S7, S8, S15–S17, S36). */
import { createHash } from 'node:crypto';
import type { Manifest } from '../protocol/index.js';

/** Two manifests are the same game when their files (path, size, chunk hashes) are the same. */
export function manifestDigest(m: Manifest): string {
  const files = [...m.files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => [f.path, f.size, f.chunks]);
  return createHash('sha256')
    .update(JSON.stringify([m.chunk_size, files]))
    .digest('hex');
}

export function voteManifest<S>(
  candidates: readonly { source: S; manifest: Manifest }[],
): { ok: true; manifest: Manifest; agreeing: S[] } | { ok: false; reason: string } {
  const groups = new Map<string, { manifest: Manifest; sources: S[] }>();
  for (const { source, manifest } of candidates) {
    const digest = manifestDigest(manifest);
    const group = groups.get(digest) ?? { manifest, sources: [] };
    group.sources.push(source);
    groups.set(digest, group);
  }
  const ranked = [...groups.values()].sort((a, b) => b.sources.length - a.sources.length);
  const [top, second] = ranked;
  if (top === undefined) return { ok: false, reason: 'no source offered a manifest' };
  if (second !== undefined && second.sources.length === top.sources.length) {
    return {
      ok: false,
      reason: `${candidates.length} sources offer ${groups.size} different file lists and none has a plurality (${describeDifference(top.manifest, second.manifest)})`,
    };
  }
  return { ok: true, manifest: top.manifest, agreeing: top.sources };
}

/** Names the first difference, so the person reading the error knows where the sources part. */
function describeDifference(a: Manifest, b: Manifest): string {
  const bFiles = new Map(b.files.map((f) => [f.path, f]));
  for (const file of a.files) {
    const other = bFiles.get(file.path);
    if (other === undefined) return `${file.path} is missing from one`;
    if (other.size !== file.size)
      return `${file.path} has ${file.size} bytes in one and ${other.size} in another`;
    if (other.chunks.join() !== file.chunks.join()) return `${file.path} has different content`;
  }
  return 'their file lists differ';
}
