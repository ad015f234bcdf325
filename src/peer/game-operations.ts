/** The operations on a game's root: download, install, uninstall, update, streamed install, removal, launch. */
import type { CatalogGame } from '../catalog/index.js';
import { LanspreadError, errorMessage } from '../errors.js';
import type { GameId, GameVersion } from '../ids.js';
import {
  discardStaging,
  installGame,
  removeGameFiles,
  streamInstallGame,
  swapInStaging,
  systemBootId,
  trashPath,
  uninstallGame,
  updatePaths,
  type OperationIntent,
  type IntentStore,
} from '../install/index.js';
import { readGameVersion, type LocalGame } from '../library/index.js';
import type { Logger } from '../logger.js';
import type { ArchiveProvider } from '../archive/index.js';
import {
  downloadGame,
  type DownloadRequest,
  type DownloadSource,
  type SwarmLink,
  type Traffic,
  type TransferClient,
} from '../transfer/index.js';
import { downloadFinished, transferEvent } from './event-mapping.js';
import type { CommandResults, PeerEvent, QueueKind } from './contract.js';
import type { GameLauncher } from './game-launcher.js';
import type { LocalLibrary } from './local-library.js';
import type { OperationHandle, Operations } from './operations.js';

export interface GameOperationsOptions {
  library: LocalLibrary;
  operations: Operations;
  intents: IntentStore;
  /** Committed downloads whose files are not all on the disk yet. */
  flushes: IntentStore;
  launcher: GameLauncher;
  archiveProvider: ArchiveProvider;
  chunkSize: number;
  log: Logger;
  readonly emit: (event: PeerEvent) => void;
  /** Peers that have the game Ready at our catalog version, in a stable order. */
  readonly sources: (game: GameId) => DownloadSource[];
  /** Opens a transfer connection to `source`, proving its id. */
  readonly connectTransfer: (
    source: DownloadSource,
    signal: AbortSignal,
  ) => Promise<TransferClient>;
  /** Opens a data connection with a token. */
  readonly connectData: NonNullable<DownloadRequest['connectData']>;
  /** The `encrypt_transfers` setting now: a download that starts fetches over TLS, not `connectData`. */
  readonly encryptTransfers: () => boolean;
  /** The swarm of `game` for a download into `root`: partial sources, and our own advert. */
  readonly swarm?: (game: CatalogGame, root: string) => SwarmLink;
  /** Counts the payload bytes received. */
  readonly traffic?: Traffic;
}

/** An operation under way: its handle, and the outcome events held until it is released. */
interface Run {
  readonly op: OperationHandle;
  /** Emitted after the release and the rescan, so whoever hears it finds the game free. */
  outcome(event: PeerEvent): void;
  /** Runs `flush` once the operation is over and its outcome told (see `#flushLater`). */
  flushAfter(flush: () => Promise<void>): void;
}

export class GameOperations {
  readonly #o: GameOperationsOptions;
  /**
   * Each game's flush after its download: the root is Ready, and in use, before its files are all
   * on the disk. The game's next operation waits for it; Play does not.
   */
  readonly #flushing = new Map<GameId, Promise<void>>();

  constructor(opts: GameOperationsOptions) {
    this.#o = opts;
  }

  async download(entry: CatalogGame, install: boolean): Promise<{ game: GameId }> {
    const local = this.#o.library.game(entry.id);
    if (local?.downloaded === true && local.version === entry.version) {
      // The root is already here: install it, when asked and not yet installed.
      return !install || local.installed ? { game: entry.id } : this.install(entry);
    }
    if (local?.downloaded === true) {
      // A root at another version stays whole until the new one is in place, as in an update:
      // an interrupted download must not cost the version that was here. Its install follows.
      await this.#replaceRoot(entry, local, install || local.installed);
      return { game: entry.id };
    }
    if (install) this.#o.launcher.refuseWhileRunning(entry.id, 'reinstall');
    const sources = this.#requireSources(entry);
    const root = this.#o.library.root(entry.id);
    return this.#run({ kind: 'download', game: entry.id, root }, async (run) => {
      const { finished, flush } = await this.#downloadUnder(entry, sources, run, root);
      run.flushAfter(flush);
      if (!install) {
        run.outcome(finished);
        return { game: entry.id };
      }
      this.#o.emit(finished);
      // Peers learn of the new Ready root now, not after a long install; the rows say Installing.
      run.op.step('install');
      await this.#o.intents.record({ kind: 'install', game: entry.id, root });
      await this.#rescanAfter(entry.id, 'download');
      await this.#installUnder(entry, run, root);
      run.outcome({ event: 'install-finished', game: entry.id });
      return { game: entry.id };
    });
  }

  async install(entry: CatalogGame): Promise<{ game: GameId }> {
    if (this.#o.library.game(entry.id)?.downloaded !== true) {
      throw new LanspreadError(
        'not-downloaded',
        `${entry.id} has no complete root here to install from`,
      );
    }
    this.#o.launcher.refuseWhileRunning(entry.id, 'install');
    const root = this.#o.library.root(entry.id);
    return this.#run({ kind: 'install', game: entry.id, root }, async (run) => {
      await this.#installUnder(entry, run, root);
      run.outcome({ event: 'install-finished', game: entry.id });
      return { game: entry.id };
    });
  }

  /** Installs from a source's archives without storing them: for a disk that cannot hold both. */
  async streamInstall(entry: CatalogGame): Promise<{ game: GameId; bytes: number }> {
    if (this.#o.library.game(entry.id)?.installed === true) {
      const failure = new LanspreadError(
        'already-installed',
        `${entry.id} is already installed here`,
      );
      this.#o.emit({
        event: 'download-failed',
        game: entry.id,
        code: failure.code,
        message: failure.message,
      });
      throw failure;
    }
    const sources = this.#requireSources(entry);
    const root = this.#o.library.root(entry.id);
    const intent: OperationIntent = {
      kind: 'stream-install',
      game: entry.id,
      root,
      created_root: this.#o.library.game(entry.id) === undefined,
    };
    return this.#run(intent, async (run) => {
      try {
        const { bytes } = await streamInstallGame({
          game: entry,
          root,
          sources,
          connect: this.#o.connectTransfer,
          // Its install-finished is the operation's outcome; the rest is progress.
          emit: (event) => {
            if (event.event === 'install-finished') run.outcome(event);
            else this.#o.emit(transferEvent(event));
          },
          log: this.#o.log.child({ game: entry.id }),
          signal: run.op.signal,
          ...(this.#o.traffic === undefined ? {} : { traffic: this.#o.traffic }),
        });
        return { game: entry.id, bytes };
      } catch (err) {
        throw this.#downloadFailed(entry, err, run);
      }
    });
  }

  async uninstall(entry: CatalogGame): Promise<{ game: GameId }> {
    if (this.#o.library.game(entry.id)?.installed !== true) {
      throw new LanspreadError('not-installed', `${entry.id} is not installed here`);
    }
    this.#o.launcher.refuseWhileRunning(entry.id, 'uninstall');
    const root = this.#o.library.root(entry.id);
    return this.#run({ kind: 'uninstall', game: entry.id, root }, async (run) => {
      await uninstallGame(root);
      run.outcome({ event: 'uninstall-finished', game: entry.id });
      return { game: entry.id };
    });
  }

  /**
   * Fetches the catalog version into a staging root beside the old one, installs it there when
   * the old one is installed, and only then swaps the roots. Until the swap the old root (and its
   * install) is untouched, so a failure or cancel leaves it playable.
   */
  async update(
    entry: CatalogGame,
  ): Promise<{ game: GameId; from: GameVersion | null; to: GameVersion }> {
    this.#refuseWhileBusy(entry.id);
    const local = this.#updatable(entry);
    return this.#replaceRoot(entry, local, local.installed);
  }

  /**
   * Refuses now what `download` (or `update`) of `entry` would refuse when it starts: for a
   * request that waits in the queue, so that it is not queued only to fail later.
   */
  checkQueued(kind: QueueKind, entry: CatalogGame, install: boolean): void {
    this.#refuseWhileBusy(entry.id);
    const replaces = kind === 'update' || this.#o.library.game(entry.id)?.downloaded === true;
    if (kind === 'update') this.#updatable(entry);
    if (replaces || install) this.#o.launcher.refuseWhileRunning(entry.id, 'update');
    this.#requireSources(entry);
  }

  /** The local root an update replaces: `not-downloaded` or `already-up-to-date` otherwise. */
  #updatable(entry: CatalogGame): LocalGame {
    const local = this.#o.library.game(entry.id);
    if (local?.downloaded !== true) {
      throw new LanspreadError('not-downloaded', `${entry.id} has no downloaded root to update`);
    }
    if (local.version === entry.version) {
      throw new LanspreadError(
        'already-up-to-date',
        `${entry.id} is already at the catalog version ${entry.version}`,
      );
    }
    return local;
  }

  /**
   * The body of an update (and of a download over a root at another version): the catalog
   * version fetched into the staging root, installed there when `installNew`, then swapped in.
   */
  async #replaceRoot(
    entry: CatalogGame,
    local: { version: GameVersion | null },
    installNew: boolean,
  ): Promise<{ game: GameId; from: GameVersion | null; to: GameVersion }> {
    this.#o.launcher.refuseWhileRunning(entry.id, 'update');
    const sources = this.#requireSources(entry);
    const paths = updatePaths(this.#o.library.gamesDir, entry.id);
    const intent: OperationIntent = {
      kind: 'update',
      game: entry.id,
      ...paths,
      from: local.version,
      to: entry.version,
      phase: 'fetch',
    };
    const result = { game: entry.id, from: local.version, to: entry.version };
    return this.#run(intent, async (run) => {
      let flushNew: (() => Promise<void>) | undefined;
      try {
        // A new root already complete beside the old (an earlier update stopped after its
        // download) is not fetched again.
        if ((await readGameVersion(paths.staging)) === entry.version)
          this.#o.log.info(
            { game: entry.id },
            'the new version is downloaded already; installing it',
          );
        else {
          const { finished, flush } = await this.#downloadUnder(entry, sources, run, paths.staging);
          this.#o.emit(finished);
          flushNew = flush;
        }
        if (installNew) {
          await this.#installUnder(entry, run, paths.staging);
          this.#o.emit({ event: 'install-finished', game: entry.id });
        }
        run.op.signal.throwIfAborted();
        // The old root goes only once the new one is on the disk.
        if (flushNew !== undefined) await this.#flushNow(entry, run, flushNew);
        flushNew = undefined;
        await this.#o.intents.record({ ...intent, phase: 'swap' });
        await swapInStaging(paths).catch((err: unknown) => {
          const message = `cannot swap in the new root of ${entry.id}: ${errorMessage(err)}`;
          const failure = new LanspreadError('install-failed', message, { cause: err });
          throw this.#failed(run, 'install-failed', entry.id, failure);
        });
        this.#o.log.info(result, 'updated');
        run.outcome({ event: 'update-finished', ...result });
        return result;
      } catch (err) {
        // A complete staging root stays for the next update, which takes it as it is: on the disk.
        if (flushNew !== undefined) run.flushAfter(flushNew);
        const staging = await discardStaging(paths.staging).catch((cleanup: unknown) => {
          this.#o.log.error(
            { game: entry.id, err: errorMessage(cleanup) },
            'cannot clean the staging',
          );
          return 'left as it was';
        });
        this.#o.log.info({ game: entry.id, staging }, 'update failed; the old root is kept');
        throw err;
      }
    });
  }

  /** Deletes the whole root (`local/` included); the rescan tells the peers it is gone. */
  async removeFiles(entry: CatalogGame): Promise<{ game: GameId }> {
    this.#refuseWhileBusy(entry.id);
    if (this.#o.library.game(entry.id) === undefined) {
      throw new LanspreadError('not-downloaded', `${entry.id} has no files here`);
    }
    this.#o.launcher.refuseWhileRunning(entry.id, 'remove the files of');
    const { gamesDir } = this.#o.library;
    const intent: OperationIntent = {
      kind: 'remove-files',
      game: entry.id,
      root: this.#o.library.root(entry.id),
      trash: trashPath(gamesDir, entry.id),
    };
    return this.#run(intent, async () => {
      try {
        await removeGameFiles(gamesDir, entry.id);
        this.#o.log.info({ game: entry.id }, 'game files removed');
        return { game: entry.id };
      } catch (err) {
        if (err instanceof LanspreadError) throw err;
        throw new LanspreadError(
          'install-failed',
          `cannot remove the files of ${entry.id}: ${errorMessage(err)}`,
          { cause: err },
        );
      }
    });
  }

  /**
   * Play stamps the player's name and language into the installed files once (S38), runs the
   * setup script once and starts the game; start-server starts its server script (S63).
   */
  async launch(
    cmd: 'play' | 'start-server',
    entry: CatalogGame,
    player: { username: string; language: string },
  ): Promise<CommandResults['play'] | CommandResults['start-server']> {
    this.#refuseWhileBusy(entry.id);
    if (this.#o.library.game(entry.id)?.installed !== true) {
      throw new LanspreadError('not-installed', `${entry.id} is not installed here`);
    }
    const { username, language } = player;
    const target = { game: entry.id, root: this.#o.library.root(entry.id), username, language };
    return cmd === 'play'
      ? this.#o.launcher.play(target)
      : { game: entry.id, ...(await this.#o.launcher.startServer(target)) };
  }

  /**
   * The one skeleton of every operation: begin (single-flight per game) → record the intent →
   * body → clear the intent and release → rescan → the outcome events. A `status` or a retry
   * sent on hearing the outcome finds no operation running and the library rescanned.
   */
  async #run<T>(intent: OperationIntent, body: (run: Run) => Promise<T>): Promise<T> {
    const { game, kind } = intent;
    const op = this.#o.operations.begin(game, kind);
    const outcome: PeerEvent[] = [];
    let flush: (() => Promise<void>) | undefined;
    try {
      // A flush still running on the game's root ends first: this operation may change it.
      await this.#flushing.get(game);
      await this.#o.intents.record(intent);
      return await body({
        op,
        outcome: (event) => outcome.push(event),
        flushAfter: (f) => (flush = f),
      });
    } finally {
      // The operation has settled the disk either way; a stale intent would only be redone at start.
      await this.#o.intents.clear(game).catch((err: unknown) => {
        this.#o.log.error({ game, err: errorMessage(err) }, 'cannot clear the operation intent');
      });
      op.end();
      await this.#rescanAfter(game, kind);
      for (const event of outcome) this.#o.emit(event);
      if (flush !== undefined) this.#flushLater(game, flush);
    }
  }

  /** Resolves once every download's files are on the disk (or their flush failed, logged). */
  async flushed(): Promise<void> {
    await Promise.all(this.#flushing.values());
  }

  /**
   * Runs `flush` as the game's flush, after its operation: its record goes when it ends. A failed
   * flush is logged and its record kept, so the next start checks the root.
   */
  #flushLater(game: GameId, flush: () => Promise<void>): void {
    const settled = flush()
      .then(
        () => this.#o.flushes.clear(game),
        (err: unknown) => {
          this.#o.log.error(
            { game, err: errorMessage(err) },
            'cannot flush the downloaded files to the disk; the next start checks them',
          );
        },
      )
      .catch((err: unknown) => {
        this.#o.log.error({ game, err: errorMessage(err) }, 'cannot clear the flush record');
      })
      .finally(() => {
        if (this.#flushing.get(game) === settled) this.#flushing.delete(game);
      });
    this.#flushing.set(game, settled);
  }

  /** Runs an update's flush inside it: a failure fails the update, the old root kept. */
  async #flushNow(entry: CatalogGame, run: Run, flush: () => Promise<void>): Promise<void> {
    try {
      await flush();
    } catch (err) {
      const message = `cannot write the new version of ${entry.id} to the disk: ${errorMessage(err)}`;
      throw this.#failed(
        run,
        'download-failed',
        entry.id,
        new LanspreadError('download-failed', message, { cause: err }),
      );
    }
    await this.#o.flushes.clear(entry.id);
  }

  /**
   * Fetches `entry` into `root`: its `download-finished` for the caller to tell, and its flush,
   * for the caller to run, under a flush record made before anything is written.
   */
  async #downloadUnder(
    entry: CatalogGame,
    sources: DownloadSource[],
    run: Run,
    root: string,
  ): Promise<{ finished: PeerEvent; flush: () => Promise<void> }> {
    try {
      await this.#o.library.rescan();
      await this.#o.flushes.record({
        kind: 'flush',
        game: entry.id,
        root,
        boot: await systemBootId(),
      });
      const { flush, ...result } = await downloadGame({
        game: entry,
        root,
        sources,
        chunkSize: this.#o.chunkSize,
        connect: this.#o.connectTransfer,
        // Taken once, here: a download keeps the path it started on when the setting changes.
        ...(this.#o.encryptTransfers() ? {} : { connectData: this.#o.connectData }),
        emit: (event) => {
          this.#o.emit(transferEvent(event));
        },
        log: this.#o.log.child({ game: entry.id }),
        signal: run.op.signal,
        ...(this.#o.swarm === undefined ? {} : { swarm: this.#o.swarm(entry, root) }),
        ...(this.#o.traffic === undefined ? {} : { traffic: this.#o.traffic }),
      });
      return { finished: downloadFinished({ game: entry.id, ...result }), flush };
    } catch (err) {
      // Nothing was committed: no flush to check.
      await this.#o.flushes.clear(entry.id).catch(() => undefined);
      throw this.#downloadFailed(entry, err, run);
    }
  }

  /**
   * A cancel is `download-cancelled` (no failure shown), a pause `download-paused`; anything
   * else `download-failed`.
   */
  #downloadFailed(entry: CatalogGame, err: unknown, run: Run): LanspreadError {
    const { signal } = run.op;
    if (signal.aborted) {
      const reason =
        signal.reason instanceof LanspreadError
          ? signal.reason
          : new LanspreadError('cancelled', 'cancelled');
      const event = reason.code === 'paused' ? 'download-paused' : 'download-cancelled';
      run.outcome({ event, game: entry.id });
      return reason;
    }
    return this.#failed(run, 'download-failed', entry.id, err);
  }

  /** Installs from the root's current bytes (S33) under an operation that already holds the game. */
  async #installUnder(entry: CatalogGame, run: Run, root: string): Promise<void> {
    this.#o.emit({ event: 'install-begin', game: entry.id });
    try {
      const result = await installGame(root, this.#o.archiveProvider, run.op.signal);
      this.#o.log.info({ game: entry.id, ...result }, 'installed');
    } catch (err) {
      throw this.#failed(run, 'install-failed', entry.id, err);
    }
  }

  /** Holds the failure as the operation's outcome and returns the error to throw. */
  #failed(
    run: Run,
    event: 'download-failed' | 'install-failed',
    game: GameId,
    err: unknown,
  ): LanspreadError {
    const failure =
      err instanceof LanspreadError
        ? err
        : new LanspreadError(event, errorMessage(err), { cause: err });
    this.#o.log.warn({ game, code: failure.code, err: failure.message }, event.replace('-', ' '));
    const failed = { game, ...failure.toWire() };
    // Narrowed per branch: the contract's events are a union the compiler checks one by one.
    run.outcome(event === 'download-failed' ? { event, ...failed } : { event, ...failed });
    return failure;
  }

  /** Busy comes first: while another operation changes the game, its state proves nothing. */
  #refuseWhileBusy(id: GameId): void {
    const busy = this.#o.operations.kind(id);
    if (busy !== null) {
      throw new LanspreadError('operation-in-progress', `${id} is busy (${busy})`);
    }
  }

  /** The rescan tells peers the outcome; its own failure must not hide the operation's. */
  async #rescanAfter(game: GameId, what: string): Promise<void> {
    await this.#o.library.rescan().catch((err: unknown) => {
      this.#o.log.error({ game, err: errorMessage(err) }, `rescan after the ${what} failed`);
    });
  }

  /** The sources of `entry`, or `no-peers-have-game` (event and error) when there is none. */
  #requireSources(entry: CatalogGame): DownloadSource[] {
    const sources = this.#o.sources(entry.id);
    if (sources.length === 0) {
      this.#o.emit({ event: 'no-peers-have-game', game: entry.id });
      throw new LanspreadError(
        'no-peers-have-game',
        `no peers have game ${entry.id} at version ${entry.version}`,
      );
    }
    return sources;
  }
}
