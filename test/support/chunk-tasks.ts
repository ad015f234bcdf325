/** Chunk tasks of one file for scheduler tests. */
import type { ChunkTask } from '../../src/transfer/chunk-planner.js';

/** `count` chunks of `big.eti`, each `chunk` bytes but the last, which is `last` long. */
export function chunkTasks(count: number, chunk: number, last = chunk): ChunkTask[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `big.eti@${i * chunk}`,
    path: 'big.eti',
    offset: i * chunk,
    length: i === count - 1 ? last : chunk,
    sha256: i.toString(16).padStart(64, '0'),
  }));
}
