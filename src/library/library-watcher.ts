/**
 * Watches the games folder so a root dropped in, removed, or whose version.ini changes reaches the
 * peers without a restart (S21–S23). It only says "something changed"; the caller rescans.
 *
 * Why non-recursive `fs.watch` plus a periodic rescan, and not a recursive watch or chokidar:
 * everything the advert depends on (the root's name, version.ini, the *.eti files, `local/`
 * appearing) changes directly in the games folder or directly in a root, so one watch on the
 * folder and one per root (an inotify watch each on Linux) see it all. Node 20 does accept
 * `{ recursive: true }` on Linux, but emulates it with a watch per subfolder, so it would walk
 * and watch every installed `local/` tree (thousands of folders, inotify's per-user limit) only
 * to report writes we ignore; before 20.13 it was also unreliable. What fs.watch misses
 * (network filesystems, a folder replaced under us, a watch we could not open) the periodic
 * rescan catches, so a missed event costs latency, never correctness. No dependency needed.
 */
import { watch, type FSWatcher, type Stats } from 'node:fs';
import { lstat, readdir, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';

export interface LibraryWatchOptions {
  log: Logger;
  /** Called after a relevant change (debounced) and on every periodic tick; the caller rescans. */
  onChange: () => void;
  /** Quiet time after the last event before onChange (default 300 ms). */
  debounceMs?: number;
  /** Longest a steady stream of events can defer onChange (default 2 s). */
  maxWaitMs?: number;
  /** A fixed period for the safety-net rescan (`--rescan-interval`); 0 turns it off. */
  rescanEveryMs?: number;
  /**
   * Without a fixed period: the rescan period while some folder cannot be watched (default 30 s),
   * and while every watch is open (default 5 min; then the rescan only guards against missed
   * events and changes deeper in a root, and a frequent one kept idle peers busy).
   */
  blindRescanEveryMs?: number;
  watchedRescanEveryMs?: number;
  /** Which folder names are game roots worth watching (default: every folder). */
  isGameRoot?: (name: string) => boolean;
  /** A root whose changes are ignored for now, because the operation holding it rescans at its end. */
  isBusy?: (name: string) => boolean;
}

export interface LibraryWatcher {
  /** Watches another games folder instead (set-game-dir); resolves once its watches are open. */
  retarget(gamesDir: string): Promise<void>;
  /** Stops every watch and timer; onChange is not called again. */
  close(): void;
}

export const DEFAULT_DEBOUNCE_MS = 300;
export const DEFAULT_MAX_WAIT_MS = 2_000;
export const DEFAULT_RESCAN_EVERY_MS = 30_000;
export const WATCHED_RESCAN_EVERY_MS = 300_000;

/**
 * Linux filesystem magic numbers (statfs f_type) of network and FUSE filesystems, where a watch
 * opens but does not report what other machines change: NFS, SMB, CIFS, SMB2, FUSE, 9p, Ceph.
 */
const UNREPORTING_FILESYSTEMS = new Set([
  0x6969, 0x517b, 0xff534d42, 0xfe534d42, 0x65735546, 0x01021997, 0x00c36400,
]);

/** Our bookkeeping and the install staging inside a root: their churn never changes the advert. */
const QUIET_IN_ROOT = new Set(['.lanspread', '.local.installing', '.local.backup']);

interface Watch {
  readonly watcher: FSWatcher;
  // The inode watched: a folder replaced under the same name needs a fresh watch.
  readonly dev: number;
  readonly ino: number;
}

/** Starts watching `gamesDir`; resolves once the folder and its roots are watched. */
export async function watchLibrary(
  gamesDir: string,
  opts: LibraryWatchOptions,
): Promise<LibraryWatcher> {
  const watcher = new GamesFolderWatch(gamesDir, opts);
  await watcher.sync();
  return watcher;
}

class GamesFolderWatch implements LibraryWatcher {
  readonly #opts: LibraryWatchOptions;
  readonly #debounceMs: number;
  readonly #maxWaitMs: number;
  readonly #isGameRoot: (name: string) => boolean;
  readonly #isBusy: (name: string) => boolean;
  readonly #roots = new Map<string, Watch>();
  readonly #ticker: NodeJS.Timeout | undefined;
  #dir: string;
  #folder: Watch | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #maxWait: NodeJS.Timeout | undefined;
  #syncing: Promise<void> | undefined;
  #syncAgain = false;
  /** Roots the last sync found but could not watch. */
  #unwatched = 0;
  /** The folder is on a filesystem whose watches miss changes (a network share). */
  #unreported = false;
  #lastChangeCall = Date.now();
  #warned = false;
  #closed = false;

  constructor(gamesDir: string, opts: LibraryWatchOptions) {
    this.#dir = gamesDir;
    this.#opts = opts;
    this.#debounceMs = opts.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.#maxWaitMs = opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    this.#isGameRoot = opts.isGameRoot ?? (() => true);
    this.#isBusy = opts.isBusy ?? (() => false);
    const fixed = opts.rescanEveryMs;
    const watchedEvery = opts.watchedRescanEveryMs ?? WATCHED_RESCAN_EVERY_MS;
    const every = fixed ?? opts.blindRescanEveryMs ?? DEFAULT_RESCAN_EVERY_MS;
    if (every > 0) {
      this.#ticker = setInterval(() => {
        void this.sync().then(() => {
          const blind = this.#folder === undefined || this.#unwatched > 0 || this.#unreported;
          const due = Date.now() - this.#lastChangeCall >= watchedEvery;
          if (fixed !== undefined || blind || due) void this.#notify();
        });
      }, every).unref();
    }
  }

  async retarget(gamesDir: string): Promise<void> {
    this.#dir = gamesDir;
    this.#cancelPending();
    this.#detachAll();
    await this.sync();
  }

  close(): void {
    this.#closed = true;
    this.#cancelPending();
    clearInterval(this.#ticker);
    this.#detachAll();
  }

  /** Brings the watches in line with the folder; one at a time, a request meanwhile runs once more. */
  sync(): Promise<void> {
    if (this.#syncing !== undefined) {
      this.#syncAgain = true;
      return this.#syncing;
    }
    const run = async (): Promise<void> => {
      this.#syncAgain = true;
      while (this.#takeSyncRequest() && !this.#closed) {
        try {
          await this.#syncOnce();
        } catch (err) {
          this.#opts.log.debug({ games_dir: this.#dir, err: String(err) }, 'watch sync failed');
        }
      }
    };
    this.#syncing = run().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  #takeSyncRequest(): boolean {
    const wanted = this.#syncAgain;
    this.#syncAgain = false;
    return wanted;
  }

  async #syncOnce(): Promise<void> {
    const dir = this.#dir;
    // A retarget or close while we awaited makes what we learnt stale; the next sync redoes it.
    const stale = (): boolean => this.#closed || dir !== this.#dir;
    // The games folder may be a symlink to where the games are; a root may not (scanLibrary).
    const folder = await statOrNull(stat, dir);
    if (stale()) return;
    if (folder?.isDirectory() !== true) {
      // Gone: the rescan reports it; the periodic tick watches the folder again once it is back.
      if (this.#folder !== undefined) this.#schedule();
      this.#detachAll();
      return;
    }
    if (this.#folder !== undefined && !sameInode(this.#folder, folder)) {
      // Replaced under us (moved away and made anew): our watches see the old folder.
      this.#detachAll();
      this.#schedule();
    }
    this.#folder ??= this.#open(dir, folder, (name) => {
      this.#onFolderEvent(name);
    });
    const fs = await statfs(dir).catch(() => null);
    this.#unreported = fs !== null && UNREPORTING_FILESYSTEMS.has(fs.type);
    const entries = await readdir(dir, { withFileTypes: true });
    if (stale()) return;
    const names = entries
      .filter((e) => e.isDirectory() && this.#isGameRoot(e.name))
      .map((e) => e.name);
    const present = new Set(names);
    let unwatched = 0;
    for (const [name, root] of this.#roots) {
      if (!present.has(name)) this.#detachRoot(name, root);
    }
    const stats = await Promise.all(names.map((name) => statOrNull(lstat, join(dir, name))));
    if (stale()) return;
    names.forEach((name, i) => {
      const st = stats[i];
      const current = this.#roots.get(name);
      if (st?.isDirectory() !== true) {
        if (current !== undefined) this.#detachRoot(name, current);
        return;
      }
      if (current !== undefined) {
        if (sameInode(current, st)) return;
        this.#detachRoot(name, current);
      }
      const root = this.#open(join(dir, name), st, (file) => {
        this.#onRootEvent(name, file);
      });
      if (root !== undefined) this.#roots.set(name, root);
      else unwatched++;
    });
    this.#unwatched = unwatched;
  }

  #onFolderEvent(name: string | null): void {
    // A root may have appeared or gone, or the folder itself: re-check the watches at once, so
    // a new root is watched before its version.ini lands.
    void this.sync();
    if (name === null || (this.#isGameRoot(name) && !this.#isBusy(name))) this.#schedule();
  }

  #onRootEvent(root: string, name: string | null): void {
    if (name !== null && QUIET_IN_ROOT.has(name)) return;
    if (this.#isBusy(root)) return;
    this.#schedule();
  }

  /** Trailing debounce with a max wait: a burst gives one call, a long stream one per max wait. */
  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      this.#fire();
    }, this.#debounceMs).unref();
    this.#maxWait ??= setTimeout(() => {
      this.#fire();
    }, this.#maxWaitMs).unref();
  }

  #fire(): void {
    this.#cancelPending();
    void this.#notify();
  }

  async #notify(): Promise<void> {
    // A sync in flight may be opening a new root's watch; the caller's scan must come after it.
    await this.#syncing;
    if (this.#closed) return;
    this.#lastChangeCall = Date.now();
    try {
      this.#opts.onChange();
    } catch (err) {
      this.#opts.log.error({ err: String(err) }, 'library change handler failed');
    }
  }

  #cancelPending(): void {
    clearTimeout(this.#debounce);
    clearTimeout(this.#maxWait);
    this.#debounce = undefined;
    this.#maxWait = undefined;
  }

  #open(path: string, st: Stats, onEvent: (name: string | null) => void): Watch | undefined {
    let watcher: FSWatcher;
    try {
      // Not persistent: watching must never keep a finished process alive.
      watcher = watch(path, { persistent: false }, (_event, name) => {
        onEvent(name);
      });
    } catch (err) {
      this.#degraded(path, err);
      return undefined;
    }
    const entry: Watch = { watcher, dev: st.dev, ino: st.ino };
    watcher.on('error', (err) => {
      this.#degraded(path, err);
      watcher.close();
      // Forget it, so the periodic sync tries again.
      if (this.#folder === entry) this.#folder = undefined;
      for (const [name, root] of this.#roots) if (root === entry) this.#roots.delete(name);
    });
    return entry;
  }

  /** A watch that cannot open or fails (inotify limit, network filesystem …): the tick covers it. */
  #degraded(path: string, err: unknown): void {
    const fields = { path, err: err instanceof Error ? err.message : String(err) };
    const every =
      this.#opts.rescanEveryMs ?? this.#opts.blindRescanEveryMs ?? DEFAULT_RESCAN_EVERY_MS;
    if (this.#warned) {
      this.#opts.log.debug(fields, 'cannot watch a library folder');
      return;
    }
    this.#warned = true;
    this.#opts.log.warn(
      { ...fields, rescan_every_ms: every },
      'cannot watch a library folder; changes there are seen by the periodic rescan',
    );
  }

  #detachRoot(name: string, root: Watch): void {
    root.watcher.close();
    this.#roots.delete(name);
  }

  #detachAll(): void {
    this.#folder?.watcher.close();
    this.#folder = undefined;
    for (const [name, root] of this.#roots) this.#detachRoot(name, root);
  }
}

function sameInode(known: Watch, st: Stats): boolean {
  return known.dev === st.dev && known.ino === st.ino;
}

async function statOrNull(
  how: (path: string) => Promise<Stats>,
  path: string,
): Promise<Stats | null> {
  try {
    return await how(path);
  } catch {
    return null;
  }
}
