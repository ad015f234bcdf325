/** The serving gates (S12): what a peer refuses to serve, each refusal with its reason code. */
import type { Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CatalogGame } from '../catalog/index.js';
import { LanspreadError, errorMessage } from '../errors.js';
import type { GameVersion } from '../ids.js';
import { deriveAvailability, type BusyAvailability, type LocalGame } from '../library/index.js';
import { isTransferablePath } from './transferable-path.js';

// One syntactic check for both sides: the server here, the receiver against hostile manifests (S50).
export { isTransferablePath };

export interface ServeGameInput {
  /** This peer's catalog row for the game. */
  readonly entry: CatalogGame | undefined;
  /** This peer's root of the game, as the library last scanned it. */
  readonly game: LocalGame | undefined;
  /** The operation running on the game here, if any. */
  readonly busy: BusyAvailability | null;
  /** The version the receiver expects (its catalog's). */
  readonly requestedVersion: GameVersion;
}

/**
 * The refusal for a request of a game, or null when it may be served. Permanent reasons come
 * first (not in our catalog, another version), then a passing one (busy), then the root itself.
 */
export function checkServeGame(input: ServeGameInput): LanspreadError | null {
  const { entry, game, busy, requestedVersion } = input;
  if (entry === undefined)
    return new LanspreadError('serve-unknown-game', "the game is not in this peer's catalog");
  if (requestedVersion !== entry.version) {
    return new LanspreadError(
      'serve-version-mismatch',
      `asked for ${entry.id} ${requestedVersion}, this peer serves ${entry.version}`,
    );
  }
  if (busy !== null) {
    return new LanspreadError('serve-busy', `${entry.id} is being changed here (${busy})`);
  }
  if (game === undefined || deriveAvailability(game, entry.version, null) !== 'Ready') {
    return new LanspreadError(
      'serve-not-ready',
      `${entry.id} is not complete here at version ${entry.version}`,
    );
  }
  return null;
}

/**
 * Resolves a requested path to a regular file inside the root. Every component is lstat'ed from
 * the root down, so no symlink anywhere on the way is ever followed.
 */
export async function resolveServePath(
  root: string,
  relPath: string,
): Promise<{ absPath: string; size: number }> {
  if (!isTransferablePath(relPath)) {
    throw new LanspreadError(
      'serve-bad-path',
      `${JSON.stringify(relPath)} is not a plain path inside the game root`,
    );
  }
  return resolveRegularFile(root, relPath.split('/'), relPath);
}

/**
 * The regular file at `segments` under `root`, each component lstat'ed from the root down (no
 * symlink followed); `serve-bad-path` naming `shown` when there is none.
 */
export async function resolveRegularFile(
  root: string,
  segments: readonly string[],
  shown: string,
): Promise<{ absPath: string; size: number }> {
  let at = root;
  let st: Stats | undefined;
  for (const [i, segment] of segments.entries()) {
    at = join(at, segment);
    try {
      st = await lstat(at);
    } catch (err) {
      throw new LanspreadError('serve-bad-path', `${shown} does not exist in the game root`, {
        cause: errorMessage(err),
      });
    }
    if (st.isSymbolicLink())
      throw new LanspreadError('serve-bad-path', `${shown} leads through a symlink`);
    const last = i === segments.length - 1;
    if (!last && !st.isDirectory())
      throw new LanspreadError('serve-bad-path', `${shown} leads through a non-folder`);
  }
  if (st?.isFile() !== true)
    throw new LanspreadError('serve-bad-path', `${shown} is not a regular file`);
  return { absPath: at, size: st.size };
}
