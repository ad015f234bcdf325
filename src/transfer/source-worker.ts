/** One connection's loop in a download: take a chunk from the scheduler, fetch it into place, verify it. */
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { addCount } from '../count-map.js';
import { LanspreadError, errorMessage } from '../errors.js';
import type { PeerId } from '../ids.js';
import { type OpenHash, openHashHere } from './block-hashers.js';
import { BusyBackoff, isOverBudget, noteBusy } from './busy-backoff.js';
import { connectChunks } from './chunk-connection.js';
import type { ChunkFlight } from './chunk-flight.js';
import type { ChunkTask } from './chunk-planner.js';
import { openChunkWriter } from './chunk-writer.js';
import type { BusyStreaks } from './busy-streaks.js';
import { CHUNK_BUSY_REST_MS, type ChunkScheduler } from './chunk-scheduler.js';
import type { DownloadJournal } from './download-journal.js';
import type { DownloadRequest, DownloadSource } from './download-request.js';
import { targetPath } from './download-root.js';
import type { PartialHandle } from './local-partials.js';
import type { TransferClient } from './transfer-client.js';

/** A source failing this many chunks in a row is dropped from the download. */
const MAX_CONSECUTIVE_FAILURES = 3;

/** What every worker of one download shares. */
export interface DownloadRun {
  readonly req: DownloadRequest;
  readonly scheduler: ChunkScheduler<PeerId>;
  readonly journal: DownloadJournal;
  /** The clients that fetched the manifests: each source's first worker goes on with its own. */
  readonly clients: ReadonlyMap<PeerId, TransferClient>;
  /**
   * Each transfer in progress, by `runningKey`: a faster source that takes it over stops it first.
   */
  readonly running: Map<string, { stop: AbortController; settled: Promise<unknown> }>;
  readonly wakeup: Wakeup;
  /** Settles when the download is aborted. */
  readonly aborted: Promise<void>;
  /** Bytes received in this run, less those thrown away. */
  received: number;
  /** Verified bytes of this run from complete sources, and from partial ones. */
  fromComplete: number;
  fromPartial: number;
  /** Our own advert of the chunks verified here; null when not shared. */
  readonly share: PartialHandle | null;
  /** Every source that joined the download, by id. */
  readonly sources: Map<PeerId, DownloadSource>;
  /** Chunks each source sent that failed their hash. */
  readonly badChunks: Map<PeerId, number>;
  /** Workers of each source sitting out a `serve-over-budget` (`download-progress` counts them). */
  readonly sittingOut: Map<PeerId, number>;
  /** Partial sources answering only `chunk-busy`, to drop one that never sends a chunk. */
  readonly busyStreaks: BusyStreaks<PeerId>;
  /**
   * By chunk key, the open hash of a split chunk's first part, written and hashed as it came:
   * the chunk's check goes on from it and reads back only the parts after `to`.
   */
  readonly splitHeads: Map<string, FetchedPart>;
  dropSource(source: DownloadSource, reason: string): void;
}

/** The key in `DownloadRun.running` of the fetch of `task` from byte `from` of it (0: whole, or its first part). */
export function runningKey(task: ChunkTask, from = 0): string {
  return `${task.key}+${from}`;
}

/** Lets idle workers wait until something changed (a chunk freed, a source gone, a tick). */
export class Wakeup {
  #wake: () => void = () => undefined;
  #changed = this.#next();

  get changed(): Promise<void> {
    return this.#changed;
  }

  notify(): void {
    this.#wake();
    this.#changed = this.#next();
  }

  #next(): Promise<void> {
    return new Promise<void>((resolve) => (this.#wake = resolve));
  }
}

/**
 * Bad chunks after which a source is dropped: the first on TLS, where only the source could have
 * sent them; the second on a plaintext data connection, where a first may be someone's injection.
 */
function badChunkLimit(req: DownloadRequest): number {
  return req.connectData === undefined ? 1 : 2;
}

/** A local write failed (full disk, permissions): no source can fix that, so the download fails. */
class WriteFailure extends Error {}

/**
 * Fetches chunks from `source` until the download is done, stuck, aborted or the source is
 * dropped. Slot 0 reuses the manifest's connection; a local write failure rejects.
 */
export async function runSourceWorker(
  run: DownloadRun,
  source: DownloadSource,
  slot: number,
): Promise<void> {
  const { req, scheduler, running, wakeup } = run;
  const { game, signal } = req;
  let client: TransferClient | undefined;
  let failures = 0;
  const backoff = new BusyBackoff();
  while (
    !scheduler.done &&
    !scheduler.stuck &&
    !signal.aborted &&
    scheduler.liveSources.includes(source.peerId)
  ) {
    let task = scheduler.next(source.peerId);
    let from = 0;
    let takesOver = true;
    if (task === undefined) {
      // Nothing of its own: maybe the tail of a chunk that another source still fetches.
      const part = scheduler.takeTail(source.peerId);
      if (part === undefined) {
        await Promise.race([wakeup.changed, run.aborted]);
        continue;
      }
      ({ task, from } = part);
      takesOver = part.takesOver === true;
    }
    const tail = scheduler.isSplit(task);
    const key = runningKey(task, from);
    // A partial source that only fetches this chunk itself relays it as it arrives there.
    const relay = scheduler.relays(source.peerId, task.key);
    // The other downloaders may take this chunk from us as it arrives, and meanwhile ask
    // complete peers for other chunks. A relay of a relay is not relayed on, and a part of a
    // chunk is not relayed.
    const flight =
      tail || !scheduler.relayable(source.peerId, task.key)
        ? undefined
        : run.share?.fetch(task.key, task.length, { peer: source.peerId, relayed: relay });
    const stop = new AbortController();
    const mySignal = AbortSignal.any([signal, stop.signal]);
    let mine = 0;
    const slower = takesOver ? running.get(key) : undefined;
    const fetched = task;
    const job = (async (): Promise<FetchedPart> => {
      if (slower !== undefined) {
        slower.stop.abort(new LanspreadError('cancelled', 'handed to a faster source'));
        // Its writes end before ours start, so what lies on disk at the end is ours alone.
        await slower.settled;
      }
      if (client === undefined || client.closed) {
        const idle = slot === 0 ? run.clients.get(source.peerId) : undefined;
        client = await connectChunks(req, source, mySignal, idle);
      }
      // Its first bytes are written anew: a first part hashed before them is no longer on disk.
      if (from === 0) dropSplitHead(run, fetched.key);
      return fetchInto(
        client,
        req,
        { task: fetched, from, end: () => scheduler.end(fetched, source.peerId) },
        mySignal,
        (n) => {
          run.received += n;
          req.traffic?.received(source.peerId, n);
          mine += n;
          scheduler.progress(fetched, source.peerId, n);
        },
        flight,
      );
    })().catch((err: unknown) => {
      // Before its place is free for another source's writes: its relays read the file.
      stopRelays(run, task, flight);
      throw err;
    });
    // Registered at once, before any await: a faster source may take the chunk (or this part of
    // it) over any time.
    const entry = { stop, settled: job.catch(() => undefined) };
    running.set(key, entry);
    try {
      const got = await job.finally(() => {
        if (running.get(key) === entry) running.delete(key);
      });
      if (stop.signal.aborted) {
        got.hash.drop();
        throw stop.signal.reason;
      }
      if (scheduler.isSplit(task)) {
        // Its part is on disk (and its relays end: they follow one source's bytes). The chunk's
        // hash is checked once every part is, going on from the first part's.
        stopRelays(run, task, flight);
        if (from === 0) {
          dropSplitHead(run, task.key);
          run.splitHeads.set(task.key, got);
        } else got.hash.drop();
        failures = 0;
        backoff.reset();
        run.busyStreaks.sent(source.peerId);
        if (scheduler.partDone(task, source.peerId)) await checkSplitChunk(run, task);
        wakeup.notify();
        continue;
      }
      const hash = await got.hash.digest();
      if (hash !== task.sha256) {
        stopRelays(run, task, flight);
        scheduler.failed(task, source.peerId);
        run.received -= task.length;
        const reason = `sent bytes of ${task.path} at ${task.offset} that do not match the manifest's hash`;
        const bad = (run.badChunks.get(source.peerId) ?? 0) + 1;
        run.badChunks.set(source.peerId, bad);
        if (bad >= badChunkLimit(req)) {
          run.dropSource(source, reason);
          wakeup.notify();
          return;
        }
        // Whoever altered the bytes may hold this connection: the retry takes a new one.
        client?.close();
        client = undefined;
        req.log.warn(
          { game: game.id, peer: source.peerId, reason },
          'a chunk failed its hash; it goes back to the queue',
        );
        wakeup.notify();
        continue;
      }
      failures = 0;
      backoff.reset();
      run.busyStreaks.sent(source.peerId);
      scheduler.succeeded(task, source.peerId);
      flight?.verify();
      await chunkVerified(run, task, [{ source, from: 0, to: task.length }]);
    } catch (err) {
      stopRelays(run, task, flight);
      if (stop.signal.aborted && !isAborted(signal)) {
        // A faster source has the chunk now; this one is not at fault and takes the next.
        run.received -= mine;
        client = undefined;
        req.log.info(
          { game: game.id, peer: source.peerId, path: task.path, offset: task.offset },
          'a chunk in flight went to another source',
        );
        wakeup.notify();
        continue;
      }
      if (isChunkBusy(err) && !isAborted(signal)) {
        // It sends this chunk to enough peers now: they relay it, and it is asked for others.
        scheduler.busy(task, source.peerId);
        run.received -= mine;
        const busyFor = run.busyStreaks.busy(source.peerId);
        if (busyFor !== undefined) {
          run.dropSource(source, busyFor);
          wakeup.notify();
          return;
        }
        setTimeout(() => {
          wakeup.notify();
        }, CHUNK_BUSY_REST_MS).unref();
        wakeup.notify();
        continue;
      }
      if (
        (notHeldBy(scheduler, source.peerId, err) || relayEnded(relay, err)) &&
        !isAborted(signal)
      ) {
        // A partial source without that chunk after all (its download moved the file or
        // ended, or its own fetch of a chunk it relayed failed): not a fault; it is asked for
        // what its next advert says it holds.
        if (relay)
          req.log.info(
            chunkFailure(game.id, source, task, err),
            'a relay of a chunk ended before its source verified it; it goes back to the queue',
          );
        scheduler.notHeld(task, source.peerId);
        run.received -= mine;
        wakeup.notify();
        continue;
      }
      if (isOverBudget(err) && !isAborted(signal)) {
        // Busy, not broken: the chunk goes to whoever is free, this connection is let go (the
        // source counts it too), and the source is asked again after a wait.
        scheduler.postpone(task, source.peerId);
        run.received -= mine;
        client?.close();
        client = undefined;
        wakeup.notify();
        const waitMs = backoff.next();
        noteBusy(req.log, { game: game.id, peer: source.peerId }, 'a chunk', waitMs, err);
        addCount(run.sittingOut, source.peerId, 1);
        try {
          await sitOut(run, waitMs);
        } finally {
          addCount(run.sittingOut, source.peerId, -1);
        }
        continue;
      }
      scheduler.failed(task, source.peerId);
      if (err instanceof WriteFailure || isAborted(signal)) {
        wakeup.notify();
        throw err instanceof WriteFailure
          ? new LanspreadError('download-failed', err.message, { cause: err })
          : err;
      }
      failures++;
      client = undefined;
      req.log.info(
        chunkFailure(game.id, source, task, err),
        'chunk failed; it goes back to the queue',
      );
      if (failures >= MAX_CONSECUTIVE_FAILURES)
        run.dropSource(source, `failed ${failures} chunks in a row: ${errorMessage(err)}`);
    }
    wakeup.notify();
  }
  client?.close();
}

/** Verified bytes from `peer`, counted as from a complete or a partial source. */
function countVerified(run: DownloadRun, peer: PeerId, bytes: number): void {
  if (run.scheduler.isPartial(peer)) run.fromPartial += bytes;
  else run.fromComplete += bytes;
}

/**
 * A chunk passed its hash: it is served to swarm peers, journaled for a resume, and reported, a
 * split chunk as one event per part, each with the source that sent it.
 */
async function chunkVerified(
  run: DownloadRun,
  task: ChunkTask,
  parts: readonly { source: DownloadSource; from: number; to: number }[],
): Promise<void> {
  run.share?.verified(task.key);
  await run.journal.record(task.key);
  for (const { source, from, to } of parts) {
    countVerified(run, source.peerId, to - from);
    run.req.emit({
      event: 'download-chunk-finished',
      game: run.req.game.id,
      path: task.path,
      offset: task.offset + from,
      length: to - from,
      peer_id: source.peerId,
      peer_addr: source.addr,
    });
  }
}

/**
 * Every part of a split chunk is on disk: no one source sent all of its bytes, so the first
 * part's hash goes on over the later parts, read back from there. A chunk that fails is fetched again whole (see `splitChecked`), and
 * none of its sources is blamed: which one sent the bad bytes cannot be told.
 */
async function checkSplitChunk(run: DownloadRun, task: ChunkTask): Promise<void> {
  const { req, scheduler } = run;
  const path = targetPath(req.root, task.path);
  // Without a first part hashed as it came (no fetch wrote it from the chunk's start), the whole
  // chunk is read back.
  const head = run.splitHeads.get(task.key) ?? { hash: openHashHere(createHash('sha256')), to: 0 };
  run.splitHeads.delete(task.key);
  const hash = await head.hash
    .digestWithFile(path, task.offset + head.to, task.offset + task.length)
    .catch((err: unknown) => {
      req.signal.throwIfAborted();
      throw new WriteFailure(`cannot read back ${task.path}: ${errorMessage(err)}`);
    });
  const parts = scheduler.splitChecked(task, hash === task.sha256);
  if (hash !== task.sha256) {
    run.received -= task.length;
    req.log.warn(
      {
        game: req.game.id,
        path: task.path,
        offset: task.offset,
        peers: [...new Set(parts.map((p) => p.source))],
      },
      'a chunk fetched in parts from several sources failed its hash; it is fetched again whole, from one',
    );
    return;
  }
  const sent = parts.flatMap(({ source, from, to }) => {
    const known = run.sources.get(source);
    return known === undefined ? [] : [{ source: known, from, to }];
  });
  await chunkVerified(run, task, sent);
}

/** The chunk's fetch here failed or stopped: the peers that take it from us as it arrives are told. */
function stopRelays(run: DownloadRun, task: ChunkTask, flight: ChunkFlight | undefined): void {
  if (flight === undefined || flight.ended) return;
  flight.fail();
  if (flight.relays > 0)
    run.req.log.info(
      { game: run.req.game.id, path: task.path, offset: task.offset, relays: flight.relays },
      'a chunk in flight here failed; its relays to other peers are stopped',
    );
}

/** The log fields of a chunk that failed at `source`. */
function chunkFailure(
  game: string,
  source: DownloadSource,
  task: ChunkTask,
  err: unknown,
): Record<string, unknown> {
  return {
    game,
    peer: source.peerId,
    path: task.path,
    offset: task.offset,
    err: errorMessage(err),
  };
}

/** Waits `ms`, or less once the download has ended one way or another: its end waits for no sleeper. */
async function sitOut(run: DownloadRun, ms: number): Promise<void> {
  const { scheduler, req } = run;
  const timer = new AbortController();
  const elapsed = delay(ms, true, { signal: timer.signal });
  try {
    let over = false;
    while (!over && !scheduler.done && !scheduler.stuck && !req.signal.aborted) {
      // The download's progress tick wakes us at least twice a second to look again.
      over = await Promise.race([
        elapsed,
        run.wakeup.changed.then(() => false),
        run.aborted.then(() => false),
      ]);
    }
  } finally {
    timer.abort();
    await elapsed.catch(() => undefined);
  }
}

/** Ends the kept hash of `key`'s first part, if there is one. */
export function dropSplitHead(run: DownloadRun, key: string): void {
  run.splitHeads.get(key)?.hash.drop();
  run.splitHeads.delete(key);
}

/** What a fetch wrote: bytes [from, to) of its chunk, and their hash, not yet digested. */
export interface FetchedPart {
  readonly hash: OpenHash;
  readonly to: number;
}

/** Thrown by a fetch's sink once it has all of its part: another source took over the rest. */
class CutShort extends Error {}

/**
 * Fetches bytes [from, end()) of a chunk into their place and returns the hash of the bytes
 * written there, hashed as they arrive (nothing is read back). See chunk-writer.ts for how they
 * reach the disk. `end()` may move down while it runs, when another source takes over the tail:
 * the fetch then stops there, its connection closed (the source sends what was asked), and the
 * hash covers only this part.
 */
async function fetchInto(
  client: TransferClient,
  req: DownloadRequest,
  part: { task: ChunkTask; from: number; end: () => number },
  signal: AbortSignal,
  onBytes: (n: number) => void,
  flight: ChunkFlight | undefined,
): Promise<FetchedPart> {
  const { task, from } = part;
  const path = targetPath(req.root, task.path);
  const onWritten =
    flight === undefined
      ? undefined
      : (n: number) => {
          flight.written(n);
        };
  const asked = part.end();
  const writer = await openChunkWriter(
    path,
    task.offset + from,
    task.length - from,
    onWritten,
  ).catch((err: unknown) => {
    throw new WriteFailure(`cannot open ${task.path} for writing: ${errorMessage(err)}`);
  });
  let at = from;
  try {
    await client
      .fetchChunk(
        {
          game: req.game.id,
          version: req.game.version,
          path: task.path,
          offset: task.offset + from,
          length: asked - from,
        },
        async (bytes) => {
          // Once stopped, nothing more is written: a faster source rewrites this chunk next.
          signal.throwIfAborted();
          // Counted before the write's await, so a split never cuts below bytes taken here.
          const mine = bytes.subarray(0, Math.max(0, part.end() - at));
          at += mine.length;
          onBytes(mine.length);
          try {
            await writer.write(mine);
          } catch (err) {
            throw new WriteFailure(`cannot write ${task.path}: ${errorMessage(err)}`);
          }
          if (at >= part.end() && at < asked) throw new CutShort();
        },
        signal,
        writer.landing?.bind(writer),
      )
      .catch((err: unknown) => {
        if (!(err instanceof CutShort)) throw err;
      });
    const hash = await writer.finish().catch((err: unknown) => {
      signal.throwIfAborted();
      throw new WriteFailure(`cannot write ${task.path}: ${errorMessage(err)}`);
    });
    return { hash, to: at };
  } finally {
    await writer.close();
  }
}

/**
 * The refusals of a partial source that say it cannot serve the chunk now, not that it is bad:
 * not verified there (`chunk-not-here`), or its download just ended and the root is not Ready
 * yet (`serve-busy`, `serve-not-ready`).
 */
function notHeldBy(scheduler: ChunkScheduler<PeerId>, source: PeerId, err: unknown): boolean {
  return (
    scheduler.isPartial(source) &&
    err instanceof LanspreadError &&
    (err.code === 'chunk-not-here' || err.code === 'serve-busy' || err.code === 'serve-not-ready')
  );
}

function isChunkBusy(err: unknown): boolean {
  return err instanceof LanspreadError && err.code === 'chunk-busy';
}

/**
 * A relay that ended without the chunk (its source's own fetch failed or stopped: refused
 * `chunk-not-here` on TLS, the data connection closed, or nothing came while its source waited
 * on its own upstream): the chunk is not there any more, which is no fault of the relay.
 */
function relayEnded(relay: boolean, err: unknown): boolean {
  return (
    relay &&
    err instanceof LanspreadError &&
    (err.code === 'chunk-not-here' || err.code === 'download-failed' || err.code === 'timeout')
  );
}

/** A function, so TypeScript does not narrow `signal.aborted` across awaits. */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}
