/**
 * Hands chunk tasks to sources as they free up, retries failures elsewhere, drops bad sources,
 * and at the tail hands a chunk crawling on a slow source to a faster one that is idle, or splits
 * the rest of a chunk in flight with an idle source by byte range. In a swarm, partial sources
 * (peers downloading the same manifest) get only chunks they hold, the rarest first, and complete
 * sources leave them the chunks they hold.
 */
import type { ChunkTask } from './chunk-planner.js';

/** What a source holds: every chunk (a complete peer) or the keys of some (a partial peer). */
export type Holding = 'all' | ReadonlySet<string>;

/** Bytes [from, to) of a chunk, counted from its start: a source's share of a split chunk. */
export interface ChunkPart {
  readonly task: ChunkTask;
  readonly from: number;
  readonly to: number;
  /** Taken from a source that crawls: the caller stops that source's fetch of it first. */
  readonly takesOver?: true;
}

/** One source's share of a split chunk. */
interface Part {
  readonly from: number;
  /** Moves down when another source takes over this part's tail. */
  to: number;
  /** Undefined while no source fetches it (its source failed): the next idle one takes it. */
  holder: string | undefined;
  received: number;
  startedAt: number;
  done: boolean;
}

/** Attempts per chunk, over all sources, before the download gives up on it. */
export const MAX_CHUNK_ATTEMPTS = 3;

interface TaskState {
  readonly task: ChunkTask;
  status: 'queued' | 'in-flight' | 'done';
  /** The source it is in flight on. */
  holder: string | undefined;
  readonly failedOn: Set<string>;
  attempts: number;
  /** Handed out at least once: the fresh list's cursor passes it by. */
  taken: boolean;
  /** When the holder took it, and how many of its bytes have arrived since. */
  startedAt: number;
  received: number;
  /** Handed from a slow holder to a faster one once; never again, so it cannot bounce. */
  handedOver: boolean;
  /**
   * Set while the chunk is split between sources by byte range (`holder` is then unset); its
   * hash is checked from the disk once every part is written.
   */
  parts: Part[] | undefined;
  /** Cleared once a split chunk failed its hash: it is fetched whole, so a bad source is known. */
  splittable: boolean;
}

/**
 * Chunks a complete source has in flight at once while peers downloading the same files are
 * sources too: its uplink is shared by all of them anyway, and one request each halves the
 * chunks two downloaders fetch from it at the same time.
 */
const SWARM_COMPLETE_IN_FLIGHT = 1;
/**
 * How long a partial source that answered `chunk-busy` is not asked for that chunk: long enough
 * for the peers it sends the chunk to to advertise it (PARTIALS_FLUSH_MS, local-partials.ts).
 */
export const CHUNK_BUSY_REST_MS = 500;
/** Added to a relayed chunk's rank, more than any count of peers: it ranks after every verified one. */
const RELAY_RANK = 1_000_000;
/** An idle partial source takes over a chunk from a complete one that has sent less than this share of it. */
const SWAP_BEFORE_SHARE = 0.5;
/** A chunk moves to an idle source only if the slow one would need this many times longer, */
const HAND_OVER_FACTOR = 2;
/** and only once it has been in flight this long: a chunk about to end is not worth a restart. */
const HAND_OVER_AFTER_MS = 1_000;
/**
 * A split cuts a chunk at a multiple of this from its start, so both sides start and end where
 * direct writes may (chunk-writer.ts: 4 KiB alignment; the part before a cut ends its last block
 * short).
 */
export const SPLIT_ALIGN = 1024 * 1024;
/**
 * The least an idle source takes over from another's chunk while its own pace is not known:
 * less is not worth its new connection.
 */
export const MIN_SPLIT_BYTES = 4 * 1024 * 1024;
/**
 * Once its pace is known, the least is what it sends in this long (but one block): at the end of
 * a download, tails that small keep every source busy until the last byte, and a new connection
 * costs a few round trips.
 */
export const MIN_SPLIT_MS = 50;

/**
 * Pure: the downloader asks `next(source)` whenever a source has a free slot, so a fast source
 * takes more and a large file splits between sources (S14); a failed chunk goes back to the
 * front of the queue for another source (S18); a source that lied or left takes no more (S49).
 */
export class ChunkScheduler<S extends string> {
  readonly #states = new Map<string, TaskState>();
  /** Never-tried tasks in plan order; `#cursor` is the next one to hand out. */
  readonly #fresh: TaskState[];
  #cursor = 0;
  /** Failed tasks waiting for a retry, oldest failure last; a few, so scanning it is cheap. */
  readonly #retry: TaskState[] = [];
  readonly #inFlight = new Map<S, number>();
  readonly #live: Set<S>;
  /** The live sources that hold only some chunks, and which. */
  readonly #partial = new Map<S, Set<string>>();
  /**
   * What each partial source is fetching now from peers that hold them (complete, or verified
   * there): it relays them as they arrive there, and will hold them soon.
   */
  readonly #fetching = new Map<S, Set<string>>();
  /**
   * What each partial source is fetching from relays now: it relays those too, but they go no
   * further (a relay of a relay is not relayed), so no chain of relays can close into a ring.
   */
  readonly #relaying = new Map<S, Set<string>>();
  /** `source\nkey` of chunks a partial source sends to enough peers now, and until when. */
  readonly #resting = new Map<string, number>();
  /** Sources dropped for good: they lied or left, and are not taken back. */
  readonly #dropped = new Set<S>();
  readonly #limit: number;
  readonly #now: () => number;
  /**
   * Bytes and milliseconds of each source's finished chunks, summed: a source's pace per
   * connection. Summed, not the last chunk's: a few bytes of version.ini take as long as a round
   * trip and would make any source look slow.
   */
  readonly #pace = new Map<S, { bytes: number; ms: number }>();
  #doneCount = 0;
  #bytesDone = 0;
  #givenUp = false;
  readonly bytesTotal: number;

  constructor(
    tasks: readonly ChunkTask[],
    sources: readonly S[],
    opts: {
      inFlightPerSource: number;
      now?: () => number;
      /** Index of the first task to hand out (the plan wraps around): swarm peers start apart. */
      start?: number;
    },
  ) {
    const start = tasks.length === 0 ? 0 : (opts.start ?? 0) % tasks.length;
    const ordered = [...tasks.slice(start), ...tasks.slice(0, start)];
    this.#fresh = ordered.map((task) => ({
      task,
      status: 'queued',
      holder: undefined,
      failedOn: new Set(),
      attempts: 0,
      taken: false,
      startedAt: 0,
      received: 0,
      handedOver: false,
      parts: undefined,
      splittable: true,
    }));
    this.#now = opts.now ?? Date.now;
    for (const state of this.#fresh) this.#states.set(state.task.key, state);
    this.#live = new Set(sources);
    for (const s of sources) this.#inFlight.set(s, 0);
    this.#limit = Math.max(1, opts.inFlightPerSource);
    this.bytesTotal = tasks.reduce((sum, t) => sum + t.length, 0);
  }

  /**
   * Next task for this source, or undefined when it should idle (nothing it may take, or at its
   * in-flight limit). With nothing queued, it may be a task still in flight on a slower source:
   * the caller stops that transfer, and that source's later report of it is ignored. An idle
   * source asks again now and then, as the slow transfer falls further behind.
   */
  next(source: S): ChunkTask | undefined {
    const busy = this.#inFlight.get(source);
    if (
      busy === undefined ||
      busy >= this.#limitOf(source) ||
      !this.#live.has(source) ||
      this.#givenUp
    )
      return undefined;
    let state: TaskState | undefined;
    const index = this.#retry.findIndex((s) => this.#mayTake(s, source));
    if (index >= 0) [state] = this.#retry.splice(index, 1);
    else state = this.#partial.size === 0 ? this.#nextInOrder() : this.#rarestFor(source);
    if (state !== undefined) {
      state.attempts++;
      state.taken = true;
    } else state = this.#handOverTo(source) ?? this.#swapToPartial(source);
    if (state === undefined) return undefined;
    state.status = 'in-flight';
    state.holder = source;
    state.startedAt = this.#now();
    state.received = 0;
    this.#inFlight.set(source, busy + 1);
    return state.task;
  }

  /** Bytes of a task in flight on `source` arrived: they tell how far behind it is. */
  progress(task: ChunkTask, source: S, bytes: number): void {
    const state = this.#states.get(task.key);
    const part = this.#partOf(state, source);
    if (part !== undefined) part.received += bytes;
    else if (state?.status === 'in-flight' && state.holder === source) state.received += bytes;
  }

  /**
   * Where `source`'s fetch of `task` ends, from the chunk's start: the chunk's length, unless
   * another source took over the tail of its part since. Read it as the bytes arrive, and report
   * them (`progress`) before awaiting anything: a split never cuts below what was reported.
   */
  end(task: ChunkTask, source: S): number {
    return this.#partOf(this.#states.get(task.key), source)?.to ?? task.length;
  }

  /** True while `task` is split between sources: a part's end is reported with `partDone`. */
  isSplit(task: ChunkTask): boolean {
    return this.#states.get(task.key)?.parts !== undefined;
  }

  /**
   * For an idle source that `next` gave nothing: a part of a chunk in flight elsewhere. First a
   * part left by a source that failed it; else the tail of the fetch that would end last at its
   * pace so far, cut where both would end together, the holder's pace against this source's
   * (equal shares while either is unknown). Only chunks this source would send whole (not ones
   * it relays), only tails it needs MIN_SPLIT_MS for at its pace (MIN_SPLIT_BYTES while that is
   * unknown), and none of a chunk it fetches a part of already. While partial sources take part
   * (a swarm) nothing new is split, only parts left by their source are taken: a complete
   * source's uplink is what a swarm waits on, and split tails from it were bytes it sent twice
   * (bench (c): the last of six downloaders at 1.75× one alone over seven rounds, the seeder
   * sending 1.56× the game, against 1.48–1.57× and 1.29–1.42× without splits).
   */
  takeTail(thief: S): ChunkPart | undefined {
    const busy = this.#inFlight.get(thief);
    if (
      busy === undefined ||
      busy >= this.#limitOf(thief) ||
      !this.#live.has(thief) ||
      this.#givenUp
    )
      return undefined;
    const splitting = this.#partial.size === 0;
    const now = this.#now();
    let best: { state: TaskState; part: Part | undefined; cut: number } | undefined;
    let bestLeft = 0;
    for (const state of this.#states.values()) {
      if (state.status !== 'in-flight' || !state.splittable) continue;
      if (!this.#mayTake(state, thief) || this.relays(thief, state.task.key)) continue;
      if (state.parts === undefined) {
        if (!splitting || state.holder === undefined || state.holder === thief) continue;
        const { received, startedAt } = state;
        const split = this.#split(
          { from: 0, to: state.task.length, received, startedAt },
          thief,
          now,
        );
        // A crawling holder is left to a hand-over, which stops it: a split would still wait for it.
        if (split !== undefined && !split.crawling && split.left > bestLeft) {
          best = { state, part: undefined, cut: split.cut };
          bestLeft = split.left;
        }
        continue;
      }
      if (state.parts.some((p) => !p.done && p.holder === thief)) continue;
      for (const part of state.parts) {
        if (part.done) continue;
        if (part.holder === undefined) return this.#give(state, part, thief, now);
        if (!splitting) continue;
        const split = this.#split(part, thief, now);
        if (split !== undefined && split.left > bestLeft) {
          // A part's crawling holder is stopped and its part taken whole: a hand-over.
          best = { state, part, cut: split.crawling ? part.from : split.cut };
          bestLeft = split.left;
        }
      }
    }
    if (best === undefined) return undefined;
    const { state, cut } = best;
    if (best.part !== undefined && cut === best.part.from) {
      const slow = best.part.holder as S;
      this.#inFlight.set(slow, (this.#inFlight.get(slow) ?? 1) - 1);
      return { ...this.#give(state, best.part, thief, now), takesOver: true };
    }
    const part = best.part ?? {
      from: 0,
      to: state.task.length,
      holder: state.holder,
      received: state.received,
      startedAt: state.startedAt,
      done: false,
    };
    const parts = state.parts ?? [part];
    state.parts = parts;
    state.holder = undefined;
    const tail = {
      from: cut,
      to: part.to,
      holder: thief,
      received: 0,
      startedAt: now,
      done: false,
    };
    part.to = cut;
    parts.push(tail);
    this.#inFlight.set(thief, busy + 1);
    return { task: state.task, from: tail.from, to: tail.to };
  }

  /**
   * `source` has written its part of the split `task`: true when every part is written, and the
   * caller checks the chunk's hash from the disk and reports it with `splitChecked`.
   */
  partDone(task: ChunkTask, source: S): boolean {
    const state = this.#states.get(task.key);
    const part = this.#partOf(state, source);
    if (state?.parts === undefined || part === undefined) return false;
    part.done = true;
    this.#inFlight.set(source, (this.#inFlight.get(source) ?? 1) - 1);
    this.#addPace(source, part.to - part.from, this.#now() - part.startedAt);
    return state.parts.every((p) => p.done);
  }

  /**
   * The hash of a split chunk, read back once every part was written, passed or not. Passed, the
   * chunk is done; failed, it goes back to the queue to be fetched whole from one source (which
   * of the parts' sources sent bad bytes cannot be told). Returns its parts and their sources.
   */
  splitChecked(task: ChunkTask, passed: boolean): { source: S; from: number; to: number }[] {
    const state = this.#states.get(task.key);
    if (state?.parts?.every((p) => p.done) !== true) return [];
    const sent = state.parts
      .map(({ holder, from, to }) => ({ source: holder as S, from, to }))
      .sort((x, y) => x.from - y.from);
    state.parts = undefined;
    if (passed) {
      state.status = 'done';
      this.#doneCount++;
      this.#bytesDone += state.task.length;
    } else {
      state.status = 'queued';
      state.splittable = false;
      if (state.attempts >= MAX_CHUNK_ATTEMPTS) this.#givenUp = true;
      this.#retry.unshift(state);
    }
    return sent;
  }

  succeeded(task: ChunkTask, source: S): void {
    const state = this.#release(task, source);
    if (state === undefined) return;
    this.#addPace(source, state.task.length, this.#now() - state.startedAt);
    state.status = 'done';
    this.#doneCount++;
    this.#bytesDone += state.task.length;
  }

  /** A transfer failed: the task returns to the queue and will not be retried on `source` while another usable source remains. */
  failed(task: ChunkTask, source: S): void {
    const part = this.#leavePart(task, source);
    if (part !== undefined) {
      part.state.failedOn.add(source);
      if (++part.state.attempts >= MAX_CHUNK_ATTEMPTS) this.#givenUp = true;
      return;
    }
    const state = this.#release(task, source);
    if (state === undefined) return;
    state.status = 'queued';
    state.failedOn.add(source);
    if (state.attempts >= MAX_CHUNK_ATTEMPTS) this.#givenUp = true;
    this.#retry.unshift(state);
  }

  /**
   * The source was too busy to take the task (`serve-over-budget`): it goes back to the front of
   * the queue as if never tried, for whichever source is free first, this one included.
   */
  postpone(task: ChunkTask, source: S): void {
    if (this.#leavePart(task, source) !== undefined) return;
    const state = this.#release(task, source);
    if (state === undefined) return;
    state.status = 'queued';
    // Not a try. (A task handed over from a slow source was not counted as one: it may so get one
    // try more, never a second hand-over.)
    state.attempts = Math.max(0, state.attempts - 1);
    this.#retry.unshift(state);
  }

  /**
   * Adds a source or changes what it holds (a partial source's have-map grew, or it completed);
   * true when it is new here, so the caller starts its workers. A dropped source is not taken back.
   */
  setHolding(
    source: S,
    holding: Holding,
    fetching: ReadonlySet<string> = new Set(),
    relaying: ReadonlySet<string> = new Set(),
  ): boolean {
    if (this.#dropped.has(source)) return false;
    if (holding === 'all') this.#partial.delete(source);
    else this.#partial.set(source, new Set(holding));
    for (const [map, keys] of [
      [this.#fetching, fetching],
      [this.#relaying, relaying],
    ] as const) {
      if (holding === 'all' || keys.size === 0) map.delete(source);
      else map.set(source, new Set(keys));
    }
    if (this.#live.has(source)) return false;
    this.#live.add(source);
    this.#inFlight.set(source, 0);
    return true;
  }

  /** True when `source` is a partial source (it holds only some chunks). */
  isPartial(source: S): boolean {
    return this.#partial.has(source);
  }

  /** True when the partial `source` has not verified chunk `key` but fetches it: it relays it. */
  relays(source: S, key: string): boolean {
    return (
      this.#partial.get(source)?.has(key) === false &&
      (this.#fetching.get(source)?.has(key) === true ||
        this.#relaying.get(source)?.has(key) === true)
    );
  }

  /**
   * True when chunk `key` fetched from `source` may be relayed on from here: the source holds it
   * (complete, or verified there) or fetches it from a peer that does; not when it relays a
   * relay itself.
   */
  relayable(source: S, key: string): boolean {
    return !this.relays(source, key) || this.#fetching.get(source)?.has(key) === true;
  }

  /**
   * A partial source answered that it does not hold the task after all (its download moved the
   * file, or ended, or its own fetch of a chunk it relayed failed): it is no longer asked for it
   * until its next advert, and the task goes back to the queue untried.
   */
  notHeld(task: ChunkTask, source: S): void {
    this.#partial.get(source)?.delete(task.key);
    this.#fetching.get(source)?.delete(task.key);
    this.#relaying.get(source)?.delete(task.key);
    this.postpone(task, source);
  }

  /**
   * A partial source answered `chunk-busy`: it sends the chunk to as many peers as it allows. It
   * is not asked for that chunk for CHUNK_BUSY_REST_MS, and the chunk goes back to the plan
   * untried, where the peers it is sent to show up as its relays and complete sources leave it
   * to them.
   */
  busy(task: ChunkTask, source: S): void {
    this.#resting.set(`${source}\n${task.key}`, this.#now() + CHUNK_BUSY_REST_MS);
    if (this.#leavePart(task, source) !== undefined) return;
    const state = this.#release(task, source);
    if (state !== undefined) this.#replan(state);
  }

  /**
   * Chunks in flight here from a complete source that a partial source `before` this peer (by id:
   * both sides decide alike) fetches from a complete source too, while less than
   * SWAP_BEFORE_SHARE of it has arrived: peers that started together and picked the same chunk
   * split up, the later one going back to the queue for another chunk. The tasks come back
   * untried; the caller stops their transfers, whose later reports are ignored.
   */
  yieldCollisions(before: (other: S) => boolean): ChunkTask[] {
    const yielded: ChunkTask[] = [];
    for (const state of this.#states.values()) {
      const holder = state.holder as S | undefined;
      if (state.status !== 'in-flight' || holder === undefined || this.#partial.has(holder))
        continue;
      if (state.received >= SWAP_BEFORE_SHARE * state.task.length) continue;
      const rival = [...this.#fetching].some(
        ([other, keys]) => keys.has(state.task.key) && before(other),
      );
      if (!rival) continue;
      this.#release(state.task, holder);
      this.#replan(state);
      yielded.push(state.task);
    }
    return yielded;
  }

  /** The source is gone (disconnected) or lied (bad hash): it gets no more tasks; its in-flight tasks must still be reported by the caller via failed(). */
  dropSource(source: S): void {
    this.#live.delete(source);
    this.#partial.delete(source);
    this.#fetching.delete(source);
    this.#relaying.delete(source);
    this.#dropped.add(source);
  }

  /** A released task goes back untried to its place in the plan, where rarest first finds it. */
  #replan(state: TaskState): void {
    state.status = 'queued';
    state.attempts = Math.max(0, state.attempts - 1);
    state.taken = false;
    const index = this.#fresh.indexOf(state);
    if (index >= 0) this.#cursor = Math.min(this.#cursor, index);
    else this.#retry.unshift(state);
  }

  /** True while `source` is not asked for the task's chunk: it answered `chunk-busy` lately. */
  #rests(source: S, state: TaskState): boolean {
    // Asked for every chunk of the plan on each `next`: no key to build while nothing rests.
    if (this.#resting.size === 0) return false;
    const key = `${source}\n${state.task.key}`;
    const until = this.#resting.get(key);
    if (until === undefined) return false;
    if (this.#now() < until) return true;
    this.#resting.delete(key);
    return false;
  }

  /** Every task succeeded. */
  get done(): boolean {
    return this.#doneCount === this.#states.size;
  }

  /**
   * Work remains that no live source may take: the download cannot finish (S19). While a complete
   * source lives, every queued task is open to some live source (see #mayTake); without one, only
   * as long as a live partial source holds a chunk still wanted, or one is in flight.
   */
  get stuck(): boolean {
    if (this.done) return false;
    if (this.#givenUp || this.#live.size === 0) return true;
    if (this.#live.size > this.#partial.size) return false;
    for (const state of this.#states.values()) {
      const parts = state.parts;
      // In flight: whole, or a part some source still fetches, or every part written and the
      // chunk's hash being checked.
      const fetched =
        parts === undefined ||
        parts.every((p) => p.done) ||
        parts.some((p) => !p.done && p.holder !== undefined);
      if (state.status === 'in-flight' && fetched) return false;
      const open = state.status === 'queued' || parts?.some((p) => !p.done) === true;
      if (open && [...this.#live].some((s) => this.#holds(s, state))) return false;
    }
    return true;
  }

  get liveSources(): S[] {
    return [...this.#live];
  }

  get bytesDone(): number {
    return this.#bytesDone;
  }

  /** Ends a transfer; a report for a task that is not in flight on `source` is ignored, so a stray double report cannot count twice. */
  #release(task: ChunkTask, source: S): TaskState | undefined {
    const state = this.#states.get(task.key);
    if (state?.status !== 'in-flight' || state.holder !== source) return undefined;
    state.holder = undefined;
    this.#inFlight.set(source, (this.#inFlight.get(source) ?? 1) - 1);
    return state;
  }

  /**
   * The in-flight task of another source that `thief` would finish first by the widest margin:
   * at the slow holder's pace so far it needs more than HAND_OVER_FACTOR times what `thief`
   * would at its own pace, and it has run at least that long (a fresh start has no pace yet) and at
   * least HAND_OVER_AFTER_MS. `thief` takes only chunks it would send whole, not ones it would
   * relay itself: that would restart the chunk at the pace of the thief's own source. (A complete
   * source may take over a crawling relay: the chunk then comes twice from it, which the end of a
   * swarm download can afford better than the wait.)
   */
  #handOverTo(thief: S): TaskState | undefined {
    const pace = this.#pace.get(thief);
    if (pace === undefined || pace.ms <= 0) return undefined;
    const rate = pace.bytes / pace.ms;
    const now = this.#now();
    let best: TaskState | undefined;
    let bestLeft = 0;
    for (const state of this.#states.values()) {
      const holder = state.holder as S | undefined;
      if (state.status !== 'in-flight' || holder === undefined || holder === thief) continue;
      if (state.handedOver || !this.#mayTake(state, thief)) continue;
      if (this.relays(thief, state.task.key)) continue;
      const own = state.task.length / rate;
      const elapsed = now - state.startedAt;
      if (elapsed < Math.max(own, HAND_OVER_AFTER_MS)) continue;
      const left =
        state.received === 0
          ? Infinity
          : ((state.task.length - state.received) * elapsed) / state.received;
      if (left > HAND_OVER_FACTOR * own && left > bestLeft) {
        best = state;
        bestLeft = left;
      }
    }
    if (best === undefined) return undefined;
    const slow = best.holder as S;
    this.#inFlight.set(slow, (this.#inFlight.get(slow) ?? 1) - 1);
    best.handedOver = true;
    return best;
  }

  /** The open part of a split chunk that `source` fetches. */
  #partOf(state: TaskState | undefined, source: S): Part | undefined {
    return state?.parts?.find((p) => !p.done && p.holder === source);
  }

  /** `source` stopped fetching its part of a split chunk: the part waits for another idle source. */
  #leavePart(task: ChunkTask, source: S): { state: TaskState; part: Part } | undefined {
    const state = this.#states.get(task.key);
    const part = this.#partOf(state, source);
    if (state === undefined || part === undefined) return undefined;
    part.holder = undefined;
    part.received = 0;
    this.#inFlight.set(source, (this.#inFlight.get(source) ?? 1) - 1);
    return { state, part };
  }

  /** `thief` takes over a part nobody fetches (or one whose crawling holder it stops). */
  #give(state: TaskState, part: Part, thief: S, now: number): ChunkPart {
    part.holder = thief;
    part.received = 0;
    part.startedAt = now;
    this.#inFlight.set(thief, (this.#inFlight.get(thief) ?? 0) + 1);
    return { task: state.task, from: part.from, to: part.to };
  }

  /**
   * Where `thief` would cut the rest of `part` (the whole fetch of an unsplit chunk), and how
   * long its holder would still need for it; undefined when the tail would be too short.
   */
  #split(
    part: Pick<Part, 'from' | 'to' | 'received' | 'startedAt'>,
    thief: S,
    now: number,
  ): { cut: number; left: number; crawling: boolean } | undefined {
    const at = part.from + part.received;
    const elapsed = now - part.startedAt;
    const theirs = part.received > 0 && elapsed > 0 ? part.received / elapsed : undefined;
    const pace = this.#pace.get(thief);
    // A pace of a few small files is mostly round trips: it would make any source look slow.
    const mine =
      pace !== undefined && pace.ms > 0 && pace.bytes >= MIN_SPLIT_BYTES
        ? pace.bytes / pace.ms
        : undefined;
    const share = theirs === undefined || mine === undefined ? 0.5 : theirs / (theirs + mine);
    const cut =
      Math.max(
        Math.ceil((at + (part.to - at) * share) / SPLIT_ALIGN),
        Math.floor(at / SPLIT_ALIGN) + 1,
      ) * SPLIT_ALIGN;
    // A holder crawling as a hand-over would find it loses what it has not sent, however short.
    // (One that has sent nothing for that long crawls too.)
    const crawling =
      mine !== undefined &&
      elapsed >= HAND_OVER_AFTER_MS &&
      mine > HAND_OVER_FACTOR * (theirs ?? 0);
    const least = mine === undefined ? MIN_SPLIT_BYTES : Math.max(SPLIT_ALIGN, mine * MIN_SPLIT_MS);
    if (!crawling && (cut >= part.to || part.to - cut < least)) return undefined;
    // How long its holder still needs; at this source's pace while its own is not known yet.
    return { cut, left: (part.to - at) / (theirs ?? mine ?? 1), crawling };
  }

  #addPace(source: S, bytes: number, ms: number): void {
    const pace = this.#pace.get(source) ?? { bytes: 0, ms: 0 };
    pace.bytes += bytes;
    pace.ms += ms;
    this.#pace.set(source, pace);
  }

  #inFlightTotal(): number {
    let total = 0;
    for (const n of this.#inFlight.values()) total += n;
    return total;
  }

  /** Chunks `source` may have in flight at once. */
  #limitOf(source: S): number {
    return this.#partial.size > 0 && !this.#partial.has(source)
      ? SWARM_COMPLETE_IN_FLIGHT
      : this.#limit;
  }

  /**
   * For an idle partial source: the chunk it holds that a complete source is sending and has
   * sent least of (under SWAP_BEFORE_SHARE), so the complete source's uplink goes to what only it
   * has. The complete source's transfer is stopped, as in a hand-over, and once per chunk.
   */
  #swapToPartial(thief: S): TaskState | undefined {
    if (!this.#partial.has(thief)) return undefined;
    let best: TaskState | undefined;
    for (const state of this.#states.values()) {
      const holder = state.holder as S | undefined;
      if (state.status !== 'in-flight' || holder === undefined || this.#partial.has(holder))
        continue;
      // Only a chunk it has verified: one it fetches itself is already the peers' to split.
      if (state.handedOver || !this.#mayTake(state, thief) || this.relays(thief, state.task.key))
        continue;
      if (state.received >= SWAP_BEFORE_SHARE * state.task.length) continue;
      if (best === undefined || state.received < best.received) best = state;
    }
    if (best === undefined) return undefined;
    const holder = best.holder as S;
    this.#inFlight.set(holder, (this.#inFlight.get(holder) ?? 1) - 1);
    best.handedOver = true;
    return best;
  }

  /**
   * A source may take a chunk it holds, unless it answered `chunk-busy` for it lately; one that
   * failed on it goes elsewhere while some live source that holds it has not failed it.
   */
  #mayTake(state: TaskState, source: S): boolean {
    if (!this.#holds(source, state) || this.#rests(source, state)) return false;
    if (!state.failedOn.has(source)) return true;
    for (const s of this.#live) if (this.#holds(s, state) && !state.failedOn.has(s)) return false;
    return true;
  }

  /** A complete source holds every chunk; a partial one those it verified and those it relays. */
  #holds(source: S, state: TaskState): boolean {
    const verified = this.#partial.get(source);
    if (verified === undefined) return true;
    return verified.has(state.task.key) || this.relays(source, state.task.key);
  }

  /** The next never-taken task in plan order (no partial source: every source holds all). */
  #nextInOrder(): TaskState | undefined {
    while (this.#cursor < this.#fresh.length && this.#fresh[this.#cursor]?.taken === true)
      this.#cursor++;
    return this.#fresh[this.#cursor++];
  }

  /**
   * With partial sources: the never-taken task `source` holds that the fewest partial sources
   * hold or fetch (rarest first; in plan order among equals); a partial
   * source's verified chunks before those it relays as they arrive there. A complete
   * source leaves a task to the partial sources that hold it while one of them has a free slot,
   * and one another peer holds or fetches (it will hold it soon), so its uplink goes to what
   * nobody else has or gets; only in the end game, with nothing in flight here, does it take a
   * chunk a busy partial source holds or one another peer fetches. (Taking those while partial
   * holders were busy made the seeder send chunks twice: bench (c), stop 26.)
   */
  #rarestFor(source: S): TaskState | undefined {
    const complete = !this.#partial.has(source);
    const endGame = complete && this.#inFlightTotal() === 0;
    let best: TaskState | undefined;
    let bestRank = Infinity;
    for (let i = this.#cursor; i < this.#fresh.length; i++) {
      const state = this.#fresh[i];
      if (
        state === undefined ||
        state.taken ||
        !this.#holds(source, state) ||
        this.#rests(source, state)
      )
        continue;
      let holders = 0;
      let freeHolder = false;
      for (const [other, keys] of this.#partial) {
        if (other === source || !keys.has(state.task.key)) continue;
        holders++;
        if ((this.#inFlight.get(other) ?? 0) < this.#limit) freeHolder = true;
      }
      let fetchers = 0;
      for (const map of [this.#fetching, this.#relaying])
        for (const [other, keys] of map)
          if (other !== source && keys.has(state.task.key)) fetchers++;
      if (complete && (freeHolder || ((holders > 0 || fetchers > 0) && !endGame))) continue;
      holders += fetchers;
      const rank = this.relays(source, state.task.key) ? RELAY_RANK + holders : holders;
      if (rank < bestRank) {
        best = state;
        bestRank = rank;
        if (rank === 0) break;
      }
    }
    return best;
  }
}
