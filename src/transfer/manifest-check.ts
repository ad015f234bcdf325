/** Refuses manifests a lying or hostile peer may send (S50) before any byte is written. */
import type { GameId, GameVersion } from '../ids.js';
import { foldName } from '../portable-name.js';
import type { Manifest } from '../protocol/index.js';
import { NOT_TRANSFERRED, isTransferablePath } from './transferable-path.js';

/** The sentinel: a root without it at the top level can never be committed. */
const SENTINEL = 'version.ini';

/** A reason to refuse `m`, or null when it is a plausible root of the game that was asked for. */
export function checkManifest(
  m: Manifest,
  expected: { game: GameId; version: GameVersion; chunkSize: number },
): string | null {
  if (m.game !== expected.game || m.version !== expected.version) {
    return `asked for ${expected.game} ${expected.version}, got ${m.game} ${m.version}`;
  }
  if (m.chunk_size !== expected.chunkSize)
    return `asked for chunks of ${expected.chunkSize} bytes, got ${m.chunk_size}`;
  // Keyed by the folded name, so names that differ only by case or Unicode form (`straße`,
  // `STRASSE`) collide here as they would on a Windows or macOS disk, where one would overwrite
  // the other.
  const files = new Map<string, string>();
  const dirs = new Map<string, string>();
  let total = 0;
  let hasSentinel = false;
  for (const file of m.files) {
    const path = file.path;
    if (!isTransferablePath(path))
      return `path ${JSON.stringify(path)} is not a plain path inside the game root`;
    const folded = foldName(path);
    const segments = folded.split('/');
    // A case-insensitive disk would put `LOCAL/x` into the installed game.
    if (NOT_TRANSFERRED.has(segments[0] ?? ''))
      return `path ${JSON.stringify(path)} touches a folder that is never transferred`;
    const twin = files.get(folded);
    if (twin !== undefined) {
      return twin === path
        ? `path ${path} is listed twice`
        : `paths ${twin} and ${path} name the same file on a case-insensitive disk`;
    }
    files.set(folded, path);
    for (let i = 1; i < segments.length; i++) dirs.set(segments.slice(0, i).join('/'), path);
    const expectedChunks = Math.ceil(file.size / m.chunk_size);
    if (file.chunks.length !== expectedChunks) {
      return `${path} has ${file.size} bytes, so ${expectedChunks} chunk hashes, but lists ${file.chunks.length}`;
    }
    if (path === SENTINEL) hasSentinel = true;
    total += file.size;
  }
  for (const [dir, inside] of dirs) {
    const file = files.get(dir);
    if (file !== undefined) return `${file} is a file, but ${inside} is inside it`;
  }
  if (!Number.isSafeInteger(total)) return 'the total size is too large to be a real game';
  if (!hasSentinel) return `the root has no top-level ${SENTINEL}`;
  return null;
}
