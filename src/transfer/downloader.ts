/** Downloads one game from every agreeing source at once: vote, plan, fetch, verify, commit. */
import { lstat, mkdir, open, readdir, stat, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CatalogGame } from '../catalog/index.js';
import { LanspreadError, errorMessage } from '../errors.js';
import type { PeerId } from '../ids.js';
import type { Logger } from '../logger.js';
import { foldName } from '../portable-name.js';
import type { Manifest } from '../protocol/index.js';
import { hashFileChunks, hashFileRange } from './chunk-hasher.js';
import { planChunks, type ChunkTask } from './chunk-planner.js';
import { ChunkScheduler } from './chunk-scheduler.js';
import { DownloadJournal } from './download-journal.js';
import { assertFreeSpace } from './free-space.js';
import { removeRetrying, renameRetrying } from './in-use-retry.js';
import { checkManifest } from './manifest-check.js';
import { manifestDigest, voteManifest } from './manifest-vote.js';
import type { TransferClient } from './transfer-client.js';
import { NOT_TRANSFERRED } from './transferable-path.js';

export interface DownloadSource {
  peerId: PeerId;
  addr: string;
}

export type DownloadEvent =
  | {
      event: 'got-game-files';
      game: string;
      files: { path: string; size: number }[];
      peers: string[];
    }
  | { event: 'download-begin'; game: string; bytes: number }
  | {
      event: 'download-chunk-finished';
      game: string;
      path: string;
      offset: number;
      length: number;
      peer_id: string;
      peer_addr: string;
    }
  | {
      event: 'download-progress';
      game: string;
      bytes_done: number;
      bytes_total: number;
      mib_per_s: number;
      active_peers: number;
    }
  | {
      event: 'download-peer-dropped';
      game: string;
      peer_id: string;
      peer_addr: string;
      reason: string;
    };

export interface DownloadRequest {
  game: CatalogGame;
  /** `<games>/<id>`; created when missing. */
  root: string;
  sources: readonly DownloadSource[];
  chunkSize: number;
  /** Opens a transfer connection to `source`, proving its id. */
  connect(source: DownloadSource, signal: AbortSignal): Promise<TransferClient>;
  emit(event: DownloadEvent): void;
  log: Logger;
  signal: AbortSignal;
}

export interface DownloadResult {
  bytes: number;
  /** Bytes actually received in this run (less than `bytes` after a resume). */
  bytesReceived: number;
  durationMs: number;
}

/** Transfers per source at once: one request per connection, so this many connections each. */
const CONNECTIONS_PER_SOURCE = 2;
/** A source failing this many chunks in a row is dropped from the download. */
const MAX_CONSECUTIVE_FAILURES = 3;
const PROGRESS_INTERVAL_MS = 500;
/** version.ini is the commit: it waits here until every other byte is verified. */
const INCOMING_SENTINEL = join('.lanspread', 'version.ini.incoming');

/** A local write failed (full disk, permissions): no source can fix that, so the download fails. */
class WriteFailure extends Error {}

export async function downloadGame(req: DownloadRequest): Promise<DownloadResult> {
  const started = Date.now();
  const { game, signal } = req;
  const clients = new Map<PeerId, TransferClient>();
  try {
    const { manifest, agreeing } = await agreeOnManifest(req, clients);
    req.emit({
      event: 'got-game-files',
      game: game.id,
      files: manifest.files.map((f) => ({ path: f.path, size: f.size })),
      peers: agreeing.map((s) => s.addr),
    });
    const total = manifest.files.reduce((sum, f) => sum + f.size, 0);
    const journal = await DownloadJournal.open(
      req.root,
      game.id,
      game.version,
      manifestDigest(manifest),
      manifest.chunk_size,
    );
    const verified = await stillVerified(req, manifest, journal.verified);
    const tasks = planChunks(manifest, verified);
    const remaining = tasks.reduce((sum, t) => sum + t.length, 0);
    await assertFreeSpace(req.root, remaining);
    // Only now is anything written: a download refused for space leaves nothing behind.
    await mkdir(join(req.root, '.lanspread'), { recursive: true });
    // A stale sentinel would advertise a mix of old and new bytes as Ready.
    await removeRetrying(join(req.root, 'version.ini'));
    await prepareFiles(req.root, manifest);
    req.emit({ event: 'download-begin', game: game.id, bytes: total });

    const scheduler = new ChunkScheduler(
      tasks,
      agreeing.map((s) => s.peerId),
      { inFlightPerSource: CONNECTIONS_PER_SOURCE },
    );
    let received = 0;
    const progress = setInterval(() => {
      const seconds = (Date.now() - started) / 1000;
      req.emit({
        event: 'download-progress',
        game: game.id,
        bytes_done: total - remaining + received,
        bytes_total: total,
        mib_per_s: round(received / 1048576 / Math.max(seconds, 0.001)),
        active_peers: scheduler.liveSources.length,
      });
      // Idle sources ask again: a chunk crawling on a slow source may be theirs by now.
      notify();
    }, PROGRESS_INTERVAL_MS);
    const abortedOnce = aborted(signal);
    let wake: () => void = () => undefined;
    let changed = new Promise<void>((r) => (wake = r));
    const notify = (): void => {
      wake();
      changed = new Promise<void>((r) => (wake = r));
    };
    const dropSource = (source: DownloadSource, reason: string): void => {
      if (!scheduler.liveSources.includes(source.peerId)) return;
      scheduler.dropSource(source.peerId);
      req.log.warn(
        { game: game.id, peer: source.peerId, reason },
        'dropped a source from the download',
      );
      req.emit({
        event: 'download-peer-dropped',
        game: game.id,
        peer_id: source.peerId,
        peer_addr: source.addr,
        reason,
      });
    };

    /** Each chunk's transfer in progress: a faster source that takes it over stops it first. */
    const running = new Map<string, { stop: AbortController; settled: Promise<unknown> }>();

    const worker = async (source: DownloadSource, slot: number): Promise<void> => {
      let client = slot === 0 ? clients.get(source.peerId) : undefined;
      let failures = 0;
      while (
        !scheduler.done &&
        !scheduler.stuck &&
        !signal.aborted &&
        scheduler.liveSources.includes(source.peerId)
      ) {
        const task = scheduler.next(source.peerId);
        if (task === undefined) {
          await Promise.race([changed, abortedOnce]);
          continue;
        }
        const stop = new AbortController();
        const mySignal = AbortSignal.any([signal, stop.signal]);
        let mine = 0;
        const slower = running.get(task.key);
        const job = (async (): Promise<string> => {
          if (slower !== undefined) {
            slower.stop.abort(new LanspreadError('cancelled', 'handed to a faster source'));
            // Its writes end before ours start, so the bytes hashed at the end are ours alone.
            await slower.settled;
          }
          if (client === undefined || client.closed) client = await req.connect(source, mySignal);
          return fetchInto(client, req, task, mySignal, (n) => {
            received += n;
            mine += n;
            scheduler.progress(task, source.peerId, n);
          });
        })();
        // Registered at once, before any await: a faster source may take the chunk over any time.
        const entry = { stop, settled: job.catch(() => undefined) };
        running.set(task.key, entry);
        try {
          const hash = await job.finally(() => {
            if (running.get(task.key) === entry) running.delete(task.key);
          });
          if (stop.signal.aborted) throw stop.signal.reason;
          if (hash !== task.sha256) {
            scheduler.failed(task, source.peerId);
            dropSource(
              source,
              `sent bytes of ${task.path} at ${task.offset} that do not match the manifest's hash`,
            );
            received -= task.length;
            notify();
            return;
          }
          failures = 0;
          scheduler.succeeded(task, source.peerId);
          await journal.record(task.key);
          req.emit({
            event: 'download-chunk-finished',
            game: game.id,
            path: task.path,
            offset: task.offset,
            length: task.length,
            peer_id: source.peerId,
            peer_addr: source.addr,
          });
        } catch (err) {
          if (stop.signal.aborted && !isAborted(signal)) {
            // A faster source has the chunk now; this one is not at fault and takes the next.
            received -= mine;
            client = undefined;
            req.log.info(
              { game: game.id, peer: source.peerId, path: task.path, offset: task.offset },
              'a slow chunk went to a faster source',
            );
            notify();
            continue;
          }
          scheduler.failed(task, source.peerId);
          if (err instanceof WriteFailure || isAborted(signal)) {
            notify();
            throw err instanceof WriteFailure
              ? new LanspreadError('download-failed', err.message, { cause: err })
              : err;
          }
          failures++;
          client = undefined;
          req.log.info(
            {
              game: game.id,
              peer: source.peerId,
              path: task.path,
              offset: task.offset,
              err: errorMessage(err),
            },
            'chunk failed; it goes back to the queue',
          );
          if (failures >= MAX_CONSECUTIVE_FAILURES)
            dropSource(source, `failed ${failures} chunks in a row: ${errorMessage(err)}`);
        }
        notify();
      }
      client?.close();
    };

    try {
      const workers = agreeing.flatMap((s) =>
        Array.from({ length: CONNECTIONS_PER_SOURCE }, (_, i) => worker(s, i)),
      );
      const results = await Promise.allSettled(workers);
      if (!(await journal.flush()))
        req.log.warn({ game: game.id }, 'could not save the resume journal');
      signal.throwIfAborted();
      const fatal = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (fatal !== undefined) throw fatal.reason;
      if (!scheduler.done) {
        throw new LanspreadError(
          'no-sources-left',
          `every source of ${game.id} failed or left before the download finished`,
        );
      }
    } finally {
      clearInterval(progress);
    }
    await commit(req.root, manifest);
    await journal.remove();
    return { bytes: total, bytesReceived: received, durationMs: Date.now() - started };
  } finally {
    for (const client of clients.values()) client.close();
  }
}

/** Fetches every candidate's manifest, refuses hostile ones, and votes among the rest. */
async function agreeOnManifest(
  req: DownloadRequest,
  clients: Map<PeerId, TransferClient>,
): Promise<{ manifest: Manifest; agreeing: DownloadSource[] }> {
  const { game } = req;
  const refusals: string[] = [];
  const hostile = new Set<PeerId>();
  const fetched = await Promise.all(
    req.sources.map(async (source) => {
      try {
        const client = await req.connect(source, req.signal);
        clients.set(source.peerId, client);
        const manifest = await client.getManifest(game.id, game.version, req.chunkSize, req.signal);
        const problem = checkManifest(manifest, {
          game: game.id,
          version: game.version,
          chunkSize: req.chunkSize,
        });
        if (problem !== null) {
          refusals.push(`${source.addr}: hostile manifest: ${problem}`);
          hostile.add(source.peerId);
          req.log.warn(
            { game: game.id, peer: source.peerId, problem },
            'refused a hostile manifest',
          );
          req.emit({
            event: 'download-peer-dropped',
            game: game.id,
            peer_id: source.peerId,
            peer_addr: source.addr,
            reason: `hostile manifest: ${problem}`,
          });
          return undefined;
        }
        return { source, manifest };
      } catch (err) {
        req.signal.throwIfAborted();
        refusals.push(`${source.addr}: ${errorMessage(err)}`);
        return undefined;
      }
    }),
  );
  const candidates = fetched.filter((c) => c !== undefined);
  if (candidates.length === 0) {
    throw new LanspreadError(
      hostile.size > 0 ? 'hostile-manifest' : 'download-failed',
      `no usable manifest for ${game.id}: ${refusals.join('; ')}`,
    );
  }
  const vote = voteManifest(candidates);
  if (!vote.ok)
    throw new LanspreadError(
      'ambiguous-metadata',
      `sources disagree on ${game.id}: ${vote.reason}`,
    );
  return { manifest: vote.manifest, agreeing: vote.agreeing };
}

/**
 * Journal entries count only when their bytes on disk still hash to the manifest's: after a power
 * cut the journal may have reached the disk before the chunk it names, so it is a hint, not proof.
 */
async function stillVerified(
  req: DownloadRequest,
  manifest: Manifest,
  journal: ReadonlySet<string>,
): Promise<Set<string>> {
  const kept = new Set<string>();
  if (journal.size === 0) return kept;
  for (const file of manifest.files) {
    const keys = file.chunks.map((_, i) => `${file.path}@${i * manifest.chunk_size}`);
    if (!keys.some((key) => journal.has(key))) continue;
    const path = targetPath(req.root, file.path);
    const size = await stat(path).then(
      (s) => s.size,
      () => -1,
    );
    if (size !== file.size) continue;
    const hashes = await hashFileChunks(path, size, manifest.chunk_size, req.signal).catch(
      (err: unknown) => {
        req.signal.throwIfAborted();
        req.log.warn(
          { game: req.game.id, path: file.path, err: errorMessage(err) },
          'cannot re-check the journaled chunks of a file; they are fetched again',
        );
        return [];
      },
    );
    keys.forEach((key, i) => {
      if (journal.has(key) && hashes[i] === file.chunks[i]) kept.add(key);
    });
  }
  return kept;
}

function targetPath(root: string, path: string): string {
  return path === 'version.ini' ? join(root, INCOMING_SENTINEL) : join(root, ...path.split('/'));
}

/** Creates every file at its final size, so chunks can be written at their offsets in any order. */
async function prepareFiles(root: string, manifest: Manifest): Promise<void> {
  for (const file of manifest.files) {
    const path = targetPath(root, file.path);
    try {
      await mkdir(dirname(path), { recursive: true });
      await (await open(path, 'a')).close();
      await truncate(path, file.size);
    } catch (err) {
      throw new LanspreadError('download-failed', `cannot create ${path}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }
}

/**
 * Fetches one chunk into its place and returns the SHA-256 of what now lies there on disk. The
 * chunk is also flushed to the disk now, while other chunks arrive, not all at the commit.
 */
async function fetchInto(
  client: TransferClient,
  req: DownloadRequest,
  task: ChunkTask,
  signal: AbortSignal,
  onBytes: (n: number) => void,
): Promise<string> {
  const path = targetPath(req.root, task.path);
  const file = await open(path, 'r+').catch((err: unknown) => {
    throw new WriteFailure(`cannot open ${task.path} for writing: ${errorMessage(err)}`);
  });
  try {
    await client.fetchChunk(
      {
        game: req.game.id,
        version: req.game.version,
        path: task.path,
        offset: task.offset,
        length: task.length,
      },
      async (bytes, at) => {
        // Once stopped, nothing more is written: a faster source rewrites this chunk next.
        signal.throwIfAborted();
        try {
          await file.write(bytes, 0, bytes.length, task.offset + at);
        } catch (err) {
          throw new WriteFailure(`cannot write ${task.path}: ${errorMessage(err)}`);
        }
        onBytes(bytes.length);
      },
      signal,
    );
    // Hashed as read back, in a worker: the receiving thread goes on with the next chunk meanwhile.
    const [hash] = await Promise.all([
      hashFileRange(path, task.fileSize, task.offset, task.length, signal),
      file.datasync(),
    ]).catch((err: unknown) => {
      signal.throwIfAborted();
      throw new WriteFailure(`cannot flush or read back ${task.path}: ${errorMessage(err)}`);
    });
    return hash;
  } finally {
    await file.close();
  }
}

/**
 * Removes files the manifest does not list, then writes version.ini: the root is now complete.
 * Every file is synced first, so after a power cut a root with version.ini never lacks bytes.
 */
async function commit(root: string, manifest: Manifest): Promise<void> {
  await pruneExtra(root, manifest);
  for (const file of manifest.files) {
    const handle = await open(targetPath(root, file.path), 'r+');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }
  await renameRetrying(join(root, INCOMING_SENTINEL), join(root, 'version.ini'));
}

/**
 * Removes the files of the root the manifest does not list. On a case-insensitive disk an
 * older version's `data/a.txt` is the very file the new `Data/a.txt` was written into: a name
 * the manifest lists only in another case stays when it is the same file on disk.
 */
export async function pruneExtra(root: string, manifest: Manifest): Promise<void> {
  const wanted = new Map(manifest.files.map((f) => [foldName(f.path), f.path]));
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (rel === '' && NOT_TRANSFERRED.has(entry.name)) continue;
      if (entry.isDirectory()) {
        await walk(path);
        continue;
      }
      const listed = wanted.get(foldName(path));
      if (listed === path) continue;
      if (listed !== undefined && (await sameFile(join(root, path), targetPath(root, listed))))
        continue;
      await removeRetrying(join(root, path));
    }
  };
  await walk('');
}

async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [x, y] = await Promise.all([lstat(a, { bigint: true }), lstat(b, { bigint: true })]);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/** A function, so TypeScript does not narrow `signal.aborted` across awaits. */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else
      signal.addEventListener(
        'abort',
        () => {
          resolve();
        },
        { once: true },
      );
  });
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
