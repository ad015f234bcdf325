/** Install and uninstall as transactions: `local/` is either the old install or the new one, never a mix. */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArchiveProvider } from '../archive/index.js';
import { LanspreadError, errorMessage } from '../errors.js';
import { removeRetrying, renameRetrying } from '../transfer/index.js';
import { extractRootArchives, type ExtractResult } from './extract-archives.js';
import { clearLaunchSettingsMarker } from './launch-settings.js';
import { clearSetupMarker } from './launch-scripts.js';

export const LOCAL_DIR = 'local';
export const STAGING_DIR = '.local.installing';
export const BACKUP_DIR = '.local.backup';

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The error to report for `err`: the cancel reason, ours as it is, a full disk in our words. */
export function installFailure(err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (err instanceof LanspreadError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new LanspreadError(
      'insufficient-space',
      `the disk filled up while installing: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  return new LanspreadError('install-failed', errorMessage(err), { cause: err });
}

/**
 * Unpacks the root's archives into `.local.installing/`, then swaps it in for `local/`. On any
 * failure or cancel the staging folder is removed and the previous `local/` stays as it was.
 * A successful install clears the first-play marker, so the next play stamps the new files.
 */
export async function installGame(
  root: string,
  provider: ArchiveProvider,
  signal: AbortSignal,
): Promise<ExtractResult> {
  const staging = join(root, STAGING_DIR);
  try {
    await removeRetrying(staging);
    await mkdir(staging);
    const result = await extractRootArchives(root, staging, provider, signal);
    signal.throwIfAborted();
    await commitStaging(root);
    return result;
  } catch (err) {
    await removeRetrying(staging);
    throw installFailure(err, signal);
  }
}

/**
 * Swaps the complete `.local.installing/` in for `local/` (the old one, if any, kept until the
 * new one is in place) and clears the first-play markers, so the next play stamps the new files
 * and runs their setup script. The markers go first: a crash after the swap must not leave new
 * files marked as stamped or set up.
 */
export async function commitStaging(root: string): Promise<void> {
  const staging = join(root, STAGING_DIR);
  const local = join(root, LOCAL_DIR);
  const backup = join(root, BACKUP_DIR);
  await clearLaunchSettingsMarker(root);
  await clearSetupMarker(root);
  await removeRetrying(backup);
  const hadLocal = await exists(local);
  if (hadLocal) await renameRetrying(local, backup);
  try {
    await renameRetrying(staging, local);
  } catch (err) {
    if (hadLocal) await renameRetrying(backup, local);
    throw err;
  }
  await removeRetrying(backup);
}

/**
 * Startup recovery of an install cut short: the staging folder goes, and the previous `local/`
 * comes back if the crash fell between the two renames of the swap.
 */
export async function settleInstall(root: string): Promise<string> {
  const local = join(root, LOCAL_DIR);
  const backup = join(root, BACKUP_DIR);
  await removeRetrying(join(root, STAGING_DIR));
  if (!(await exists(backup))) return 'staging removed';
  if (await exists(local)) {
    await removeRetrying(backup);
    return 'the new local/ was in place; the old one removed';
  }
  await renameRetrying(backup, local);
  return 'the previous local/ put back';
}

/** Startup recovery of an uninstall cut short: it finishes (the moved-aside `local/` goes). */
export async function settleUninstall(root: string): Promise<string> {
  await removeRetrying(join(root, STAGING_DIR));
  if (!(await exists(join(root, BACKUP_DIR)))) return 'nothing left over';
  await removeRetrying(join(root, BACKUP_DIR));
  return 'the moved-aside local/ removed';
}

/** Removes `local/` only; the downloaded root stays. Moved aside first so a crash leaves no half-deleted install. */
export async function uninstallGame(root: string): Promise<void> {
  const local = join(root, LOCAL_DIR);
  const backup = join(root, BACKUP_DIR);
  if (!(await exists(local))) {
    throw new LanspreadError('not-installed', `${root} has no installed game (no local/ folder)`);
  }
  try {
    await removeRetrying(backup);
    await renameRetrying(local, backup);
    await removeRetrying(backup);
  } catch (err) {
    if (err instanceof LanspreadError) throw err;
    throw new LanspreadError('install-failed', `cannot remove ${local}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}
