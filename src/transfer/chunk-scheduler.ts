/** Hands chunk tasks to sources as they free up, retries failures elsewhere, and drops bad sources. */
import type { ChunkTask } from './chunk-planner.js';

/** Attempts per chunk before the download gives up on it. */
const MAX_ATTEMPTS = 3;

interface TaskState {
  task: ChunkTask;
  failedOn: Set<string>;
  attempts: number;
}

/**
 * Pure: the downloader asks `next(source)` whenever a source has a free slot, so a fast source
 * takes more and a large file splits between sources (S14); a failed chunk goes back to the
 * front of the queue for another source (S18); a source that lied or left takes no more (S49).
 */
export class ChunkScheduler<S extends string> {
  readonly #queue: TaskState[];
  readonly #inFlight = new Map<S, Set<string>>();
  readonly #states = new Map<string, TaskState>();
  readonly #live: Set<S>;
  readonly #limit: number;
  #done = 0;
  #bytesDone = 0;
  #exhausted = false;
  readonly bytesTotal: number;

  constructor(
    tasks: readonly ChunkTask[],
    sources: readonly S[],
    opts: { inFlightPerSource: number },
  ) {
    this.#queue = tasks.map((task) => ({ task, failedOn: new Set(), attempts: 0 }));
    for (const state of this.#queue) this.#states.set(state.task.key, state);
    this.#live = new Set(sources);
    for (const s of sources) this.#inFlight.set(s, new Set());
    this.#limit = opts.inFlightPerSource;
    this.bytesTotal = tasks.reduce((sum, t) => sum + t.length, 0);
  }

  next(source: S): ChunkTask | undefined {
    const busy = this.#inFlight.get(source);
    if (!this.#live.has(source) || busy === undefined || busy.size >= this.#limit) return undefined;
    const index = this.#queue.findIndex((s) => this.#mayTake(s, source));
    if (index < 0) return undefined;
    const [state] = this.#queue.splice(index, 1);
    if (state === undefined) return undefined;
    state.attempts++;
    busy.add(state.task.key);
    return state.task;
  }

  succeeded(task: ChunkTask, source: S): void {
    this.#inFlight.get(source)?.delete(task.key);
    this.#done++;
    this.#bytesDone += task.length;
  }

  failed(task: ChunkTask, source: S): void {
    this.#inFlight.get(source)?.delete(task.key);
    const state = this.#states.get(task.key);
    if (state === undefined) return;
    state.failedOn.add(source);
    if (state.attempts >= MAX_ATTEMPTS) this.#exhausted = true;
    this.#queue.unshift(state);
  }

  dropSource(source: S): void {
    this.#live.delete(source);
  }

  get done(): boolean {
    return this.#done === this.#states.size;
  }

  /** Work remains that no live source may take: the download cannot finish (S19). */
  get stuck(): boolean {
    if (this.done) return false;
    if (this.#exhausted || this.#live.size === 0) return true;
    const inFlight = [...this.#live].some((s) => (this.#inFlight.get(s)?.size ?? 0) > 0);
    return (
      !inFlight &&
      this.#queue.every((state) => ![...this.#live].some((s) => this.#mayTake(state, s)))
    );
  }

  get liveSources(): S[] {
    return [...this.#live];
  }

  get bytesDone(): number {
    return this.#bytesDone;
  }

  /** A chunk that failed on a source goes elsewhere while some live source has not failed it. */
  #mayTake(state: TaskState, source: S): boolean {
    if (!state.failedOn.has(source)) return true;
    return [...this.#live].every((s) => state.failedOn.has(s));
  }
}
