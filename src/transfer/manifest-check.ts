/** Refuses manifests a lying or hostile peer may send (S50) before any byte is written. */
import type { GameId, GameVersion } from '../ids.js';
import type { Manifest } from '../protocol/index.js';
import { isTransferablePath } from './transferable-path.js';

/** A reason to refuse `m`, or null when it is a plausible root of the game that was asked for. */
export function checkManifest(
  m: Manifest,
  expected: { game: GameId; version: GameVersion; chunkSize: number },
): string | null {
  if (m.game !== expected.game || m.version !== expected.version) {
    return `asked for ${expected.game} ${expected.version}, got ${m.game} ${m.version}`;
  }
  if (m.chunk_size !== expected.chunkSize)
    return `asked for chunks of ${expected.chunkSize}, got ${m.chunk_size}`;
  const seen = new Set<string>();
  const dirs = new Set<string>();
  let total = 0;
  for (const file of m.files) {
    if (!isTransferablePath(file.path))
      return `path ${JSON.stringify(file.path)} is not a plain path inside the game root`;
    // Windows folders ignore case: two names that differ only by case would overwrite each other.
    const folded = file.path.toLowerCase();
    if (seen.has(folded)) return `path ${file.path} is listed twice`;
    seen.add(folded);
    const parts = folded.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    if (file.chunks.length !== Math.ceil(file.size / m.chunk_size)) {
      return `${file.path} has ${file.size} bytes but ${file.chunks.length} chunk hashes`;
    }
    total += file.size;
  }
  for (const dir of dirs) if (seen.has(dir)) return `${dir} is both a file and a folder`;
  if (!Number.isSafeInteger(total)) return 'the total size is too large';
  if (!seen.has('version.ini')) return 'the root has no version.ini';
  return null;
}
