/** The plurality vote among the manifests of catalog-version sources (S7, S8, S15–S17, S36). */
import { createHash } from 'node:crypto';
import type { Manifest } from '../protocol/index.js';

export type ManifestVote<S> =
  { ok: true; manifest: Manifest; agreeing: S[] } | { ok: false; reason: string };

/**
 * Names a manifest's bytes: SHA-256 of the canonical JSON of its files (path, size, chunk hashes)
 * sorted by path. The chunk size is part of it, so a resume journal never mixes chunk grids.
 */
export function manifestDigest(m: Manifest): string {
  const files = sortedFiles(m).map((f) => [f.path, f.size, f.chunks]);
  return createHash('sha256')
    .update(JSON.stringify([m.chunk_size, files]))
    .digest('hex');
}

/** The file list most sources agree on; a tie at the top is ambiguous and fails (S8, S17). */
export function voteManifest<S>(
  candidates: readonly { source: S; manifest: Manifest }[],
): ManifestVote<S> {
  const groups = new Map<string, { manifest: Manifest; sources: S[] }>();
  for (const { source, manifest } of candidates) {
    const digest = manifestDigest(manifest);
    let group = groups.get(digest);
    if (group === undefined) {
      group = { manifest, sources: [] };
      groups.set(digest, group);
    }
    group.sources.push(source);
  }
  // Stable sort: among groups of equal size the first one seen stays first.
  const ranked = [...groups.values()].sort((a, b) => b.sources.length - a.sources.length);
  const [top, second] = ranked;
  if (top === undefined) return { ok: false, reason: 'no source offered a manifest' };
  if (second !== undefined && second.sources.length === top.sources.length) {
    const split = ranked.map((g) => g.sources.length).join(' vs ');
    return {
      ok: false,
      reason: `${candidates.length} sources disagree on the files (${groups.size} different file lists, split ${split}, no plurality): ${describeDifference(top.manifest, second.manifest)}`,
    };
  }
  return { ok: true, manifest: top.manifest, agreeing: top.sources };
}

/** Names the first difference, so whoever reads the error knows where the sources part. */
function describeDifference(a: Manifest, b: Manifest): string {
  if (a.chunk_size !== b.chunk_size)
    return `chunks of ${a.chunk_size} bytes in one, ${b.chunk_size} in another`;
  const bFiles = new Map(b.files.map((f) => [f.path, f]));
  for (const file of sortedFiles(a)) {
    const other = bFiles.get(file.path);
    if (other === undefined) return `${file.path} is missing from one`;
    if (other.size !== file.size)
      return `${file.path} has ${file.size} bytes in one and ${other.size} in another`;
    if (other.chunks.join() !== file.chunks.join()) return `${file.path} has different content`;
  }
  const aPaths = new Set(a.files.map((f) => f.path));
  const extra = sortedFiles(b).find((f) => !aPaths.has(f.path));
  if (extra !== undefined) return `${extra.path} is missing from one`;
  return 'their file lists differ';
}

function sortedFiles(m: Manifest): Manifest['files'] {
  // Code-unit order, not localeCompare: the digest must not depend on the machine's locale.
  return [...m.files].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}
