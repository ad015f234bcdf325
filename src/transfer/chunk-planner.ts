/** Cuts a manifest into the chunk tasks a download still needs. */
import type { Manifest } from '../protocol/index.js';

export interface ChunkTask {
  /** `${path}@${offset}`: the chunk's name in the resume journal. */
  key: string;
  path: string;
  offset: number;
  length: number;
  sha256: string;
}

export function chunkKey(path: string, offset: number): string {
  return `${path}@${offset}`;
}

/**
 * Every chunk of every non-empty file, by path then offset, except those in `skip` (resume).
 * Empty files have no chunk: the caller creates them.
 */
export function planChunks(manifest: Manifest, skip: ReadonlySet<string> = new Set()): ChunkTask[] {
  const tasks: ChunkTask[] = [];
  const files = [...manifest.files].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
  for (const file of files) {
    file.chunks.forEach((sha256, i) => {
      const offset = i * manifest.chunk_size;
      const key = chunkKey(file.path, offset);
      if (skip.has(key)) return;
      tasks.push({
        key,
        path: file.path,
        offset,
        length: Math.min(manifest.chunk_size, file.size - offset),
        sha256,
      });
    });
  }
  return tasks;
}
