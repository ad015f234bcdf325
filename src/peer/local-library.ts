/** This peer's games folder: the scan, what it advertises, the watcher, and what the server may serve. */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Catalog } from '../catalog/index.js';
import { LanspreadError, errorMessage } from '../errors.js';
import { isGameId, type GameId } from '../ids.js';
import {
  scanLibrary,
  watchLibrary,
  type BusyAvailability,
  type LibraryWatcher,
  type LocalGame,
} from '../library/index.js';
import type { Logger } from '../logger.js';
import type { LibraryDelta, WireGame } from '../protocol/index.js';
import { listGameFiles, type HashCache, type ServeContext } from '../transfer/index.js';
import type { LocalGameRow } from './contract.js';
import { advertise, diffAdvert } from './library-advert.js';
import type { Operations } from './operations.js';
import { serialCoalesced } from './rescan-queue.js';
import { busyAvailability, localGameRow } from './rows.js';

export type AdvertDelta = Pick<LibraryDelta, 'upsert' | 'remove'>;

export interface LocalLibraryOptions {
  gamesDir: string;
  catalog: Catalog;
  hashCache: HashCache;
  operations: Operations;
  log: Logger;
  /** Whether the game (or its setup) and its server run, for the rows. */
  launched(game: GameId): { running: boolean; serverRunning: boolean };
  /** After a rescan that changed the advertisement (`delta` not empty) or was asked to report. */
  onChanged(delta: AdvertDelta): void;
}

export class LocalLibrary {
  readonly #opts: LocalLibraryOptions;
  readonly #ignoredFolders = new Set<string>();
  #gamesDir: string;
  #games: LocalGame[] = [];
  #advert: WireGame[] = [];
  #watcher: LibraryWatcher | undefined;
  #closed = false;
  readonly #rescanSerial = serialCoalesced(() => this.#rescanNow());
  /** A queued rescan should report even when nothing changed. */
  #rescanAlways = false;

  constructor(opts: LocalLibraryOptions) {
    this.#opts = opts;
    this.#gamesDir = resolve(opts.gamesDir);
  }

  get gamesDir(): string {
    return this.#gamesDir;
  }

  /** What we tell peers we hold, as of the last scan. */
  get advert(): WireGame[] {
    return this.#advert;
  }

  /** `<games>/<id>`. */
  root(game: GameId): string {
    return join(this.#gamesDir, game);
  }

  game(id: GameId): LocalGame | undefined {
    return this.#games.find((g) => g.id === id);
  }

  rows(): LocalGameRow[] {
    const rows: LocalGameRow[] = [];
    for (const game of this.#games) {
      const entry = this.#opts.catalog.get(game.id);
      if (entry === undefined) continue;
      const launched = this.#opts.launched(game.id);
      rows.push(localGameRow(game, entry, this.busy(game.id), launched));
    }
    return rows;
  }

  /** What the server's gates need to know of a game here (S12). */
  readonly serveLookup: ServeContext['lookup'] = (game) => ({
    entry: this.#opts.catalog.get(game),
    game: this.game(game),
    busy: this.busy(game),
    root: this.root(game),
  });

  /** What runs on a game, as its row names it; null when nothing does. */
  busy(game: GameId): BusyAvailability | null {
    return busyAvailability(this.#opts.operations.kind(game));
  }

  /** The transferred files of a game's root here (none when it has no root). */
  async files(game: GameId): Promise<{ path: string; size: number }[]> {
    try {
      const files = await listGameFiles(this.root(game), this.#opts.log);
      return files.map((f) => ({ path: f.path, size: f.size }));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  /** Watches the games folder so roots added, removed or re-versioned outside us reach the peers. */
  async watch(rescanEveryMs: number | undefined): Promise<void> {
    this.#watcher = await watchLibrary(this.#gamesDir, {
      log: this.#opts.log,
      ...(rescanEveryMs === undefined ? {} : { rescanEveryMs }),
      isGameRoot: (name) => this.#opts.catalog.get(name) !== undefined,
      // An operation's root churns until it ends, and every operation rescans when it ends.
      isBusy: (name) => isGameId(name) && this.#opts.operations.kind(name) !== null,
      onChange: () => {
        if (this.#closed) return;
        this.rescan().catch((err: unknown) => {
          this.#opts.log.warn({ err: errorMessage(err) }, 'rescan after a library change failed');
        });
      },
    });
  }

  /** Switches to another games folder (set-game-dir) and reports its games. */
  /** Switches to another games folder; refused while an operation writes into this one. */
  async setGamesDir(path: string): Promise<LocalGameRow[]> {
    const busy = this.#opts.operations.list();
    if (busy.length > 0) {
      throw new LanspreadError(
        'operation-in-progress',
        `cannot change the games folder while ${busy.map((o) => `${o.kind} of ${o.game}`).join(', ')} runs`,
      );
    }
    await this.retarget(path);
    return this.rows();
  }

  async retarget(path: string): Promise<void> {
    await ensureDir(path, 'games-dir-unusable', 'games folder');
    this.#gamesDir = resolve(path);
    this.#ignoredFolders.clear();
    await this.#watcher?.retarget(this.#gamesDir);
    await this.rescan({ always: true });
  }

  close(): void {
    this.#closed = true;
    this.#watcher?.close();
  }

  /** Rescans one at a time; requests made while one runs share the single rescan after it. */
  rescan(opts: { always?: boolean } = {}): Promise<void> {
    if (opts.always === true) this.#rescanAlways = true;
    return this.#rescanSerial();
  }

  async #rescanNow(): Promise<void> {
    const always = this.#rescanAlways;
    this.#rescanAlways = false;
    const { catalog, hashCache, log } = this.#opts;
    this.#games = await scanLibrary(this.#gamesDir, catalog, log, this.#ignoredFolders);
    hashCache.keepGames(this.#gamesDir, new Set(this.#games.map((g) => g.id)));
    const advert = advertise(this.#games, catalog, (id) => this.busy(id));
    const delta = diffAdvert(this.#advert, advert);
    this.#advert = advert;
    if (delta.upsert.length > 0 || delta.remove.length > 0 || always) this.#opts.onChanged(delta);
  }
}

export async function ensureDir(
  path: string,
  code: 'state-dir-unusable' | 'games-dir-unusable',
  what: string,
): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (err) {
    throw new LanspreadError(code, `cannot create the ${what} ${path}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}
