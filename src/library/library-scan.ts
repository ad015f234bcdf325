/** Scans the games folder: one LocalGame per catalog-named subfolder, without following symlinks. */
import { constants, type Dirent } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog } from '../catalog/index.js';
import { LanspreadError } from '../errors.js';
import type { GameId, GameVersion } from '../ids.js';
import type { Logger } from '../logger.js';
import type { LocalGame } from './local-game.js';
import { decodeVersionIni, parseVersionIni } from './version-ini.js';

export interface ScanOptions {
  signal?: AbortSignal;
  /** Filesystem calls in flight at once (default 64). */
  concurrency?: number;
}

/** Root entries that are ours or the installed game, never part of the transferable root. */
const EXCLUDED = new Set(['local', '.local.installing', '.local.backup', '.lanspread']);
const VERSION_INI = 'version.ini';
/** Far more than any version line; a longer version.ini is read only this far. */
const VERSION_HEAD_BYTES = 4096;
// O_NOFOLLOW does not exist on Windows; there the dirent check alone guards against links.
const OPEN_NO_FOLLOW =
  constants.O_RDONLY | ((constants as { O_NOFOLLOW?: number }).O_NOFOLLOW ?? 0);

/** Folder names already reported as ignored, when the caller keeps no set of its own. */
const processIgnored = new Set<string>();

type Limit = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * Scans every game root under gamesDir, sorted by id. Folders that are not catalog ids, and roots
 * that are symlinks, are skipped and logged once per name in `ignoredOnce`.
 */
export async function scanLibrary(
  gamesDir: string,
  catalog: Catalog,
  log: Logger,
  ignoredOnce: Set<string> = processIgnored,
  options: ScanOptions = {},
): Promise<LocalGame[]> {
  const limit = createLimit(options.concurrency ?? 64, options.signal);
  let entries: Dirent[];
  try {
    entries = await limit(() => readdir(gamesDir, { withFileTypes: true }));
  } catch (err) {
    if (!isErrno(err)) throw err;
    throw new LanspreadError(
      'games-dir-unusable',
      `cannot read the games folder ${gamesDir}: ${err.message}`,
      { cause: err },
    );
  }

  const ignore = (name: string, level: 'warn' | 'debug', msg: string): void => {
    if (ignoredOnce.has(name)) return;
    ignoredOnce.add(name);
    log[level]({ games_dir: gamesDir, folder: name }, msg);
  };

  const roots: GameId[] = [];
  for (const entry of entries) {
    const known = catalog.get(entry.name) !== undefined;
    if (entry.isSymbolicLink()) {
      ignore(
        entry.name,
        'warn',
        known ? 'skipping a game root that is a symbolic link' : 'ignoring a symbolic link',
      );
    } else if (!entry.isDirectory()) {
      ignore(entry.name, known ? 'warn' : 'debug', 'ignoring a file in the games folder');
    } else if (!known) {
      // Hidden folders are ours (`.lanspread/`: update staging) or the system's, not a mistake.
      const level = entry.name.startsWith('.') ? 'debug' : 'warn';
      ignore(entry.name, level, 'ignoring a folder that is not a catalog game');
    } else {
      roots.push(entry.name as GameId);
    }
  }

  const games = await Promise.all(roots.map((id) => scanRootOrSkip(gamesDir, id, limit, log)));
  return games
    .filter((g): g is LocalGame => g !== null)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

async function scanRootOrSkip(
  gamesDir: string,
  id: GameId,
  limit: Limit,
  log: Logger,
): Promise<LocalGame | null> {
  try {
    return await scanRoot(join(gamesDir, id), id, limit, log);
  } catch (err) {
    if (!isErrno(err)) throw err;
    // A root deleted or replaced mid-scan is in flux; the next scan sees it settled.
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') {
      log.debug({ game: id, err: err.message }, 'game root changed during the scan; skipped');
    } else {
      log.warn({ game: id, err: err.message }, 'cannot read a game root; skipped');
    }
    return null;
  }
}

async function scanRoot(root: string, id: GameId, limit: Limit, log: Logger): Promise<LocalGame> {
  const entries = await limit(() => readdir(root, { withFileTypes: true }));
  let installed = false;
  let versionIni = false;
  const sizeOf: Promise<number>[] = [];
  for (const entry of entries) {
    if (EXCLUDED.has(entry.name)) {
      if (entry.name === 'local' && entry.isDirectory()) installed = true;
    } else if (entry.name === VERSION_INI && entry.isFile()) {
      versionIni = true;
    } else {
      sizeOf.push(entrySize(root, entry, limit, log, id));
    }
  }
  // One Promise.all over every call, so that a failure leaves no other rejection unobserved.
  const [head, sizes] = await Promise.all([
    versionIni ? readVersionIni(join(root, VERSION_INI), limit) : null,
    Promise.all(sizeOf),
  ]);
  const version = head === null ? null : parseVersionIni(decodeVersionIni(head.bytes));
  const size = sizes.reduce((a, b) => a + b, head?.size ?? 0);
  return { id, version, downloaded: versionIni, installed, size };
}

/** Bytes of a regular file, or of a folder's regular files; symlinks and special files count nothing. */
async function entrySize(
  dir: string,
  entry: Dirent,
  limit: Limit,
  log: Logger,
  id: GameId,
): Promise<number> {
  const path = join(dir, entry.name);
  if (entry.isFile()) return (await limit(() => lstat(path))).size;
  if (entry.isDirectory()) {
    const children = await limit(() => readdir(path, { withFileTypes: true }));
    const sizes = await Promise.all(
      children.map((child) => entrySize(path, child, limit, log, id)),
    );
    return sizes.reduce((a, b) => a + b, 0);
  }
  if (entry.isSymbolicLink())
    log.debug({ game: id, path }, 'not following a symbolic link in a game root');
  return 0;
}

/** Reads the head of version.ini and learns its size without a separate stat when it is short. */
/** The version in `root`'s version.ini, or null when it has none or an unreadable one. */
export async function readGameVersion(root: string): Promise<GameVersion | null> {
  try {
    const head = await readVersionIni(join(root, VERSION_INI), (task) => task());
    return parseVersionIni(decodeVersionIni(head.bytes));
  } catch {
    return null;
  }
}

async function readVersionIni(
  path: string,
  limit: Limit,
): Promise<{ bytes: Uint8Array; size: number }> {
  return limit(async () => {
    const handle = await open(path, OPEN_NO_FOLLOW);
    try {
      const buffer = Buffer.alloc(VERSION_HEAD_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, VERSION_HEAD_BYTES, 0);
      // A short read of a regular file is its end, so only a long file needs the stat.
      const size = bytesRead < VERSION_HEAD_BYTES ? bytesRead : (await handle.stat()).size;
      return { bytes: buffer.subarray(0, bytesRead), size };
    } finally {
      await handle.close();
    }
  });
}

/** Bounds the filesystem calls in flight; a freed slot passes straight to the next waiter. */
function createLimit(max: number, signal: AbortSignal | undefined): Limit {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active < max) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      signal?.throwIfAborted();
      return await task();
    } finally {
      const next = waiting.shift();
      if (next === undefined) active--;
      else next();
    }
  };
}

function isErrno(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}
