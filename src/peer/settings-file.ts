/** The player's settings in STATE/settings.json (name, language, games folder, transfer encryption, download slots, bandwidth caps), and the one check of a typed games folder. */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import path, { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../atomic-write.js';
import { LanspreadError, errorMessage } from '../errors.js';
import { isSameOrInside } from '../folder-inside.js';
import type { Logger } from '../logger.js';
import { MAX_CAP_MIB_S, MIN_CAP_MIB_S, type Caps } from './transfer-limits.js';

export interface Settings extends Caps {
  username: string;
  language: string;
  /** Absent until a games folder was chosen (by `--games` or the UI). */
  games_dir?: string;
  /** Fetch chunk bytes over TLS instead of plaintext data connections (`--encrypt-transfers`). */
  encrypt_transfers: boolean;
  /** Downloads that fetch at once; further ones wait in the queue. */
  max_active_downloads: number;
}

export const DEFAULT_MAX_ACTIVE_DOWNLOADS = 2;
/** More at once only split the same links and disks; the queue holds the rest. */
export const MAX_ACTIVE_DOWNLOADS = 16;

const name = z.string().trim().min(1).max(64);

const storedSchema = z.object({
  username: name.optional(),
  language: name.optional(),
  games_dir: z.string().min(1).max(4096).optional(),
  encrypt_transfers: z.boolean().optional(),
  max_active_downloads: z.number().int().min(1).max(MAX_ACTIVE_DOWNLOADS).optional(),
  upload_mib_s: z.number().min(MIN_CAP_MIB_S).max(MAX_CAP_MIB_S).nullable().optional(),
  download_mib_s: z.number().min(MIN_CAP_MIB_S).max(MAX_CAP_MIB_S).nullable().optional(),
});

export function settingsFile(stateDir: string): string {
  return join(stateDir, 'settings.json');
}

/** The saved settings with defaults filled in; a damaged file is logged and replaced by defaults. */
export async function readSettings(stateDir: string, log: Logger): Promise<Settings> {
  const defaults: Settings = {
    username: defaultUsername(),
    language: 'english',
    encrypt_transfers: false,
    max_active_downloads: DEFAULT_MAX_ACTIVE_DOWNLOADS,
    upload_mib_s: null,
    download_mib_s: null,
  };
  let text: string;
  try {
    text = await readFile(settingsFile(stateDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      log.warn({ err: errorMessage(err) }, 'settings.json unreadable; using defaults');
    }
    return defaults;
  }
  let stored;
  try {
    stored = storedSchema.parse(JSON.parse(text));
  } catch (err) {
    log.warn({ err: errorMessage(err) }, 'settings.json malformed; using defaults');
    return defaults;
  }
  const { games_dir: saved, ...rest } = stored;
  // Only an absolute folder means the same whatever folder the peer was started in.
  if (saved !== undefined && typedFolder(saved) === null) {
    log.warn({ games_dir: saved }, 'settings.json: the games folder is not absolute; ignored');
    return { ...defaults, ...rest };
  }
  return { ...defaults, ...stored };
}

export async function writeSettings(stateDir: string, settings: Settings): Promise<void> {
  const file = settingsFile(stateDir);
  await writeFileAtomic(file, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
}

/**
 * The folder a person typed, resolved, or null when it is not absolute on `platform`. `~` is
 * their home. On Windows it needs a drive or a share (`C:\games`, `\\pc\share`): `\games`
 * alone means "on whatever drive is current", which changes under us.
 */
export function typedFolder(
  typed: string,
  at: { platform: NodeJS.Platform; home: string } = { platform: process.platform, home: homedir() },
): string | null {
  const windows = at.platform === 'win32';
  const p = windows ? path.win32 : path.posix;
  const tilde = windows ? /^~(?:[\\/]|$)/ : /^~(?:\/|$)/;
  const expanded = tilde.test(typed) ? p.join(at.home, typed.slice(1)) : typed;
  if (!p.isAbsolute(expanded)) return null;
  if (windows && !/^(?:[a-zA-Z]:[\\/]|[\\/]{2}[^\\/])/.test(expanded)) return null;
  return p.resolve(expanded);
}

/**
 * The one check of a games folder, however it was given (`--games`, the settings file,
 * `set-game-dir`, `PUT /api/settings`): the absolute folder typed (see `typedFolder`), apart
 * from the state folder `stateDir`, created when missing, a folder, and proven writable by
 * writing and deleting a probe file; `bad-game-dir` with the reason otherwise.
 */
export async function checkGamesDir(typed: string, stateDir?: string): Promise<string> {
  const dir = typedFolder(typed);
  if (dir === null) {
    throw new LanspreadError('bad-game-dir', `${typed} is not an absolute path`);
  }
  // A game folder named like the state folder would be downloaded into it, or removed with it.
  const state = stateDir === undefined ? undefined : path.resolve(stateDir);
  if (state !== undefined && (isSameOrInside(dir, state) || isSameOrInside(state, dir))) {
    throw new LanspreadError(
      'bad-game-dir',
      `${dir} and the state folder ${state} lie one inside the other`,
    );
  }
  try {
    await mkdir(dir, { recursive: true });
    if (!(await stat(dir)).isDirectory()) throw new Error('it is not a folder');
  } catch (err) {
    throw new LanspreadError('bad-game-dir', `cannot use ${dir}: ${reason(err)}`, { cause: err });
  }
  const probe = join(dir, `.lanspread-probe-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(probe, 'probe');
    await rm(probe);
  } catch (err) {
    throw new LanspreadError('bad-game-dir', `cannot write into ${dir}: ${reason(err)}`, {
      cause: err,
    });
  }
  return dir;
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EEXIST' || code === 'ENOTDIR') return 'a file is in the way, not a folder';
  if (code === 'EROFS') return 'the disk is read-only';
  if (code === 'ENOSPC') return 'the disk is full';
  return errorMessage(err);
}

function defaultUsername(): string {
  try {
    return userInfo().username.slice(0, 64) || 'player';
  } catch {
    return 'player';
  }
}
