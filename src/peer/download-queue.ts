/**
 * The download queue: at most `slots()` downloads and updates fetch at once, the rest wait in
 * order; each can be paused, resumed, moved or dropped, and the queue is saved on every change
 * (`queue-file`), so a restart carries on with it.
 */
import { LanspreadError, errorMessage } from '../errors.js';
import type { GameId } from '../ids.js';
import type { Logger } from '../logger.js';
import type { CommandResults, PeerEvent, QueueRow } from './contract.js';
import { readQueue, writeQueue, type QueueEntry } from './queue-file.js';

type Answer = CommandResults['download'] | CommandResults['update'];
/** The answer of a request that waits for a slot. */
export interface Queued {
  game: GameId;
  queued: true;
  position: number;
}

interface Entry extends QueueEntry {
  running: boolean;
  /** Its operation was called (and so claimed the game, or failed). */
  begun?: boolean;
  /** Resolves once its run is settled in the queue. */
  settled?: Promise<unknown>;
}

export interface DownloadQueueOptions {
  stateDir: string;
  log: Logger;
  emit: (event: PeerEvent) => void;
  /** How many may run at once (the `max_active_downloads` setting, read on every decision). */
  slots: () => number;
  /** Whether `entry` can start now: a peer can serve it. */
  ready: (entry: QueueEntry) => boolean;
  /** Refuses now what the operation would refuse when it starts, for a request that waits. */
  check: (entry: QueueEntry) => void;
  /** Runs the entry's operation to its end. */
  run: (entry: QueueEntry) => Promise<Answer>;
  /** Whether an operation holds `game` now. */
  busy: (game: GameId) => boolean;
  /** Whether the operation on `game` has fetched it and is installing it now. */
  installing: (game: GameId) => boolean;
  /** Aborts the running operation on `game` with `reason`; resolves once it rolled back. */
  stop: (game: GameId, reason: LanspreadError) => Promise<boolean>;
}

export class DownloadQueue {
  readonly #o: DownloadQueueOptions;
  #entries: Entry[] = [];
  #saving: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(opts: DownloadQueueOptions) {
    this.#o = opts;
  }

  /**
   * Takes up the saved queue; `stale` names why an entry is no longer wanted (it became Ready,
   * left the catalog …), and such an entry is dropped with a log line.
   */
  async restore(stale: (entry: QueueEntry) => string | null): Promise<void> {
    const saved = await readQueue(this.#o.stateDir, this.#o.log);
    for (const entry of saved) {
      const reason = stale(entry);
      if (reason === null) this.#entries.push({ ...entry, running: false });
      else
        this.#o.log.info(
          { game: entry.game, kind: entry.kind, reason },
          'dropped from the download queue',
        );
    }
    if (this.#entries.length !== saved.length) await this.#changed();
    if (this.#entries.length > 0)
      this.#o.log.info({ queue: this.rows() }, 'download queue restored');
  }

  rows(): QueueRow[] {
    return this.#entries.map((entry, index) => ({
      game: entry.game,
      kind: entry.kind,
      position: index + 1,
      state: entry.running ? 'running' : entry.paused ? 'paused' : 'queued',
      install: entry.install,
    }));
  }

  /**
   * A `download` or `update`: with a slot free it runs now and answers at its end (its own
   * checks refuse it); otherwise it waits in the queue and answers at once with its position.
   */
  async request(wanted: QueueEntry): Promise<Answer | Queued> {
    let known = this.#find(wanted.game);
    if (known?.running === true && known.begun === true && !this.#o.busy(wanted.game)) {
      // Released, its outcome told: a retry sent on hearing it follows once the queue has it.
      await known.settled;
      known = this.#find(wanted.game);
    }
    if (known?.running === true) {
      throw new LanspreadError(
        'operation-in-progress',
        `operation already in progress for game ${wanted.game} (${known.kind})`,
      );
    }
    if (this.#free() <= 0) this.#o.check(wanted);
    const entry = known ?? { ...wanted, running: false };
    if (known === undefined) this.#entries.push(entry);
    entry.install ||= wanted.install;
    entry.paused = false;
    if (this.#free() > 0) return this.#start(entry, known !== undefined);
    await this.#changed();
    const position = this.#position(entry);
    this.#o.emit({ event: 'download-queued', game: entry.game, position });
    return { game: entry.game, queued: true, position };
  }

  /** Stops a running download (its resume data stays) or holds a waiting one; both keep their place. */
  async pause(game: GameId): Promise<{ game: GameId }> {
    const entry = this.#need(game);
    if (entry.paused) return { game };
    // Its bytes are all here: a pause would only roll the install back, to be redone on resume.
    if (entry.running && this.#o.installing(game)) {
      throw new LanspreadError(
        'operation-in-progress',
        `${game} is downloaded and installing now; a pause stops downloads only`,
      );
    }
    entry.paused = true;
    // Saved before the transfer stops: a crash from here on restarts it paused.
    await this.#changed();
    if (entry.running) {
      await this.#o.stop(game, new LanspreadError('paused', `the download of ${game} was paused`));
    } else {
      this.#o.emit({ event: 'download-paused', game });
    }
    return { game };
  }

  /** Puts a paused download back into the queue, where it was; it starts when a slot is free. */
  async resume(game: GameId): Promise<{ game: GameId; position: number }> {
    const entry = this.#need(game);
    entry.paused = false;
    await this.#changed();
    this.pump();
    const position = this.#position(entry);
    if (!entry.running) this.#o.emit({ event: 'download-queued', game, position });
    return { game, position };
  }

  /** Moves `game` to `position` (1-based, clamped to the queue); a running one keeps its slot. */
  async move(game: GameId, position: number): Promise<{ game: GameId; position: number }> {
    const entry = this.#need(game);
    this.#entries.splice(this.#entries.indexOf(entry), 1);
    this.#entries.splice(Math.min(position, this.#entries.length + 1) - 1, 0, entry);
    await this.#changed();
    this.pump();
    return { game, position: this.#position(entry) };
  }

  /** Removes a waiting or paused download (its resume data stays); false when none is queued. */
  async drop(game: GameId): Promise<boolean> {
    const entry = this.#find(game);
    if (entry === undefined || entry.running) return false;
    this.#remove(entry);
    await this.#changed();
    this.#o.emit({ event: 'download-cancelled', game });
    return true;
  }

  /** Starts waiting downloads while slots are free, in queue order; those with no source wait on. */
  pump(): void {
    if (this.#closed) return;
    for (const entry of this.#entries) {
      if (this.#free() <= 0) return;
      if (entry.running || entry.paused || !this.#o.ready(entry)) continue;
      // Nobody waits for the answer: the operation's events tell its outcome, and it logged a failure.
      this.#start(entry, true).catch(() => undefined);
    }
  }

  /**
   * Shutting down: what runs now is aborted by the peer and stays queued for the next start.
   * Resolves once the last save has landed.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#saving;
  }

  /** Runs `entry` in a slot; `keepWithoutSources`: a download waiting already waits on for a source. */
  #start(entry: Entry, keepWithoutSources: boolean): Promise<Answer> {
    const run = this.#runIn(entry, keepWithoutSources);
    entry.settled = run.catch(() => undefined);
    return run;
  }

  async #runIn(entry: Entry, keepWithoutSources: boolean): Promise<Answer> {
    entry.running = true;
    entry.begun = false;
    try {
      // On disk before a byte is fetched: a crash from here on resumes it at the next start.
      await this.#changed();
      if (entry.paused) {
        // Paused while the start was being saved, before the operation could be stopped.
        this.#o.emit({ event: 'download-paused', game: entry.game });
        throw new LanspreadError('paused', `the download of ${entry.game} was paused`);
      }
      entry.begun = true;
      const answer = await this.#o.run(entry);
      this.#remove(entry);
      return answer;
    } catch (err) {
      const code = err instanceof LanspreadError ? err.code : 'internal';
      const stays =
        this.#closed || code === 'paused' || (code === 'no-peers-have-game' && keepWithoutSources);
      if (!stays) this.#remove(entry);
      throw err;
    } finally {
      entry.running = false;
      if (!this.#closed) {
        // Not awaited: the answer need not wait for the disk (a finished download's flush may
        // hold it for a while); a start left in the saved queue is dropped at the next start.
        void this.#changed();
        this.pump();
      }
    }
  }

  /** Saves the queue (one write after another, each of the state then) and tells the listeners. */
  #changed(): Promise<void> {
    this.#o.emit({ event: 'download-queue-changed', queue: this.rows() });
    this.#saving = this.#saving
      .then(() => writeQueue(this.#o.stateDir, this.#entries))
      .catch((err: unknown) => {
        this.#o.log.error({ err: errorMessage(err) }, 'cannot save the download queue');
      });
    return this.#saving;
  }

  #free(): number {
    return this.#o.slots() - this.#entries.filter((entry) => entry.running).length;
  }

  #find(game: GameId): Entry | undefined {
    return this.#entries.find((entry) => entry.game === game);
  }

  #need(game: GameId): Entry {
    const entry = this.#find(game);
    if (entry === undefined)
      throw new LanspreadError('not-queued', `${game} is not in the download queue`);
    return entry;
  }

  #position(entry: Entry): number {
    return this.#entries.indexOf(entry) + 1;
  }

  #remove(entry: Entry): void {
    this.#entries = this.#entries.filter((other) => other !== entry);
  }
}
