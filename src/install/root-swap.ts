/** Whole-root moves: an update's new root swapped in for the old, and a root removed, each crash-safe by renames. */
import { mkdir, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { GameId } from '../ids.js';
import { removeRetrying, renameRetrying } from '../transfer/index.js';
import { exists, LOCAL_DIR, STAGING_DIR } from './install-transaction.js';

/** Our folder in the games folder: not a catalog id, so never scanned, watched or served. */
export const WORK_DIR = '.lanspread';

export interface UpdatePaths {
  /** `<games>/<id>`: the root in use. */
  root: string;
  /** `<games>/.lanspread/update/<id>`: the new root, fetched and installed beside the old. */
  staging: string;
  /** `<games>/.lanspread/old/<id>`: the old root between the swap and its deletion. */
  old: string;
}

export function updatePaths(gamesDir: string, game: GameId): UpdatePaths {
  return {
    root: join(gamesDir, game),
    staging: join(gamesDir, WORK_DIR, 'update', game),
    old: join(gamesDir, WORK_DIR, 'old', game),
  };
}

/** Where `remove-files` moves a root before deleting it, so a crash never leaves half a root. */
export function trashPath(gamesDir: string, game: GameId): string {
  return join(gamesDir, WORK_DIR, 'removing', game);
}

/**
 * Puts the complete staging root in place of the old one (old aside, new in, old deleted). It
 * goes on from wherever an earlier run of it stopped, so startup recovery reuses it as it is.
 */
export async function swapInStaging({ root, staging, old }: UpdatePaths): Promise<void> {
  if (await exists(staging)) {
    if (await exists(root)) {
      await removeRetrying(old);
      await mkdir(dirname(old), { recursive: true });
      await renameRetrying(root, old);
    }
    try {
      await renameRetrying(staging, root);
    } catch (err) {
      if (!(await exists(root)) && (await exists(old))) await renameRetrying(old, root);
      throw err;
    }
  } else if (!(await exists(root)) && (await exists(old))) {
    // Nothing to swap in: the old root goes back rather than leaving none.
    await renameRetrying(old, root);
  }
  await removeRetrying(old);
  await pruneWorkDir(old);
  await pruneWorkDir(staging);
}

/**
 * Cleans an update's staging root that will not be swapped in. What was downloaded stays: an
 * unfinished download as resume data (its journal is there), a finished one (version.ini) so the
 * next update installs it without fetching it again. An install into it is removed: the next
 * update installs afresh. `remove-files` deletes a staged update with its game.
 */
export async function discardStaging(staging: string): Promise<'kept' | 'none'> {
  if (!(await exists(staging))) return 'none';
  await removeRetrying(join(staging, STAGING_DIR));
  await removeRetrying(join(staging, LOCAL_DIR));
  return 'kept';
}

/**
 * Deletes a whole game root, `local/` included, and any update staged for it. The root is moved
 * aside first, so a crash leaves it whole or gone, never half deleted.
 */
export async function removeGameFiles(gamesDir: string, game: GameId): Promise<void> {
  const trash = trashPath(gamesDir, game);
  await removeRetrying(trash);
  await mkdir(dirname(trash), { recursive: true });
  await renameRetrying(join(gamesDir, game), trash);
  const staging = updatePaths(gamesDir, game).staging;
  await removeRetrying(staging);
  await removeRetrying(trash);
  await pruneWorkDir(staging);
  await pruneWorkDir(trash);
}

/** Removes the emptied `<kind>/` and `.lanspread/` folders above `path`, so the games folder stays clean. */
async function pruneWorkDir(path: string): Promise<void> {
  const kindDir = dirname(path);
  for (const dir of [kindDir, dirname(kindDir)]) {
    try {
      await rmdir(dir);
    } catch {
      // Not empty (another game's staging or resume data) or already gone: it stays as it is.
      return;
    }
  }
}
