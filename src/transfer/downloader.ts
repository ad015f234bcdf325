/** Downloads one game from every agreeing source at once: vote, plan, fetch, verify, commit. */
import { randomInt } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DIGEST_CHUNK_SIZE, digestManifest } from '../catalog/index.js';
import { LanspreadError, errorMessage, type ErrorCode } from '../errors.js';
import type { PeerId } from '../ids.js';
import type { Manifest } from '../protocol/index.js';
import { hashFileChunks } from './chunk-hasher.js';
import { planChunks } from './chunk-planner.js';
import { ChunkScheduler } from './chunk-scheduler.js';
import { DownloadJournal } from './download-journal.js';
import type {
  DownloadRequest,
  DownloadResult,
  DownloadSource,
  SwarmHolding,
  SwarmLink,
} from './download-request.js';
import { commit, flushRoot, prepareFiles, targetPath } from './download-root.js';
import { retryWhileBusy } from './busy-backoff.js';
import { BusyStreaks } from './busy-streaks.js';
import { assertFreeSpace } from './free-space.js';
import { removeRetrying } from './in-use-retry.js';
import { haveMapKeys, type PartialHandle } from './local-partials.js';
import { checkManifest } from './manifest-check.js';
import { manifestChunkSize, matchCatalogDigest } from './catalog-digest-check.js';
import { manifestDigest, voteManifest } from './manifest-vote.js';
import { tickProgress } from './progress-ticker.js';
import {
  Wakeup,
  dropSplitHead,
  runSourceWorker,
  runningKey,
  type DownloadRun,
} from './source-worker.js';
import type { TransferClient } from './transfer-client.js';

export type {
  DownloadEvent,
  DownloadRequest,
  DownloadResult,
  DownloadSource,
  SwarmHolding,
  SwarmLink,
} from './download-request.js';

/** Transfers per source at once: one request per connection, so this many connections each. */
const CONNECTIONS_PER_SOURCE = 2;

export async function downloadGame(req: DownloadRequest): Promise<DownloadResult> {
  const started = Date.now();
  const { game, signal } = req;
  const clients = new Map<PeerId, TransferClient>();
  let share: PartialHandle | null = null;
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
    // Our verified chunks are served from now on; the files are in place at their sizes.
    share = req.swarm?.hold(manifest, verified) ?? null;

    const scheduler = new ChunkScheduler(
      tasks,
      agreeing.map((s) => s.peerId),
      // Where a swarm may form, peers starting together start apart, so they have chunks to trade.
      {
        inFlightPerSource: CONNECTIONS_PER_SOURCE,
        start: req.swarm === undefined ? 0 : randomInt(Math.max(tasks.length, 1)),
      },
    );
    const run: DownloadRun = {
      req,
      scheduler,
      journal,
      clients,
      running: new Map(),
      wakeup: new Wakeup(),
      aborted: aborted(signal),
      received: 0,
      fromComplete: 0,
      fromPartial: 0,
      share,
      sources: new Map(),
      badChunks: new Map(),
      busyStreaks: new BusyStreaks(),
      splitHeads: new Map(),
      sittingOut: new Map(),
      dropSource: (source, reason) => {
        dropSource(req, scheduler, source, reason);
      },
    };
    // Idle sources ask again at each tick: a chunk crawling on a slow source may be theirs by now.
    const stopProgress = tickProgress(
      game.id,
      total,
      () => ({
        bytesDone: total - remaining + run.received,
        received: run.received,
        activePeers: scheduler.liveSources.length,
        busyPeers: run.sittingOut.size,
        fromComplete: run.fromComplete,
        fromPartial: run.fromPartial,
      }),
      (event) => {
        req.emit(event);
      },
      () => {
        run.wakeup.notify();
      },
    );
    const workers: Promise<void>[] = [];
    const startWorkers = (source: DownloadSource): void => {
      run.sources.set(source.peerId, source);
      for (let i = 0; i < CONNECTIONS_PER_SOURCE; i++)
        workers.push(runSourceWorker(run, source, i));
    };
    const stopSwarm =
      req.swarm === undefined
        ? () => undefined
        : joinSwarm(req, req.swarm, manifest, run, agreeing, startWorkers);
    try {
      for (const source of agreeing) startWorkers(source);
      // Partial sources join while it runs: wait for their workers too.
      const results: PromiseSettledResult<void>[] = [];
      while (results.length < workers.length)
        results.push(...(await Promise.allSettled(workers.slice(results.length))));
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
      stopSwarm();
      stopProgress();
      for (const key of [...run.splitHeads.keys()]) dropSplitHead(run, key);
    }
    await commit(req.root, manifest);
    // Its files are the Ready root's now; the rescan that follows the download advertises it.
    share?.end();
    return {
      // The journal stays until the flush ends: a root taken back after a power cut resumes from it.
      flush: async () => {
        await flushRoot(req.root, req.log);
        await journal.remove();
      },
      bytes: total,
      bytesReceived: run.received,
      durationMs: Date.now() - started,
      bytesFromComplete: run.fromComplete,
      bytesFromPartial: run.fromPartial,
    };
  } finally {
    // A failed or cancelled download withdraws its holding (a finished one has already).
    share?.end();
    for (const client of clients.values()) client.close();
  }
}

/**
 * Takes peers downloading the same manifest (same LSMD1 digest, catalog version) as sources of
 * the chunks their have-maps hold, and follows their adverts: a have-map that grows, a holding
 * withdrawn (nothing more is asked of it), a partial peer that completed (it now holds all).
 * Returns the unsubscribe. A complete peer not met as a partial one is not taken: its manifest
 * was never compared with ours.
 */
function joinSwarm(
  req: DownloadRequest,
  swarm: SwarmLink,
  manifest: Manifest,
  run: DownloadRun,
  agreeing: readonly DownloadSource[],
  startWorkers: (source: DownloadSource) => void,
): () => void {
  const { scheduler, wakeup } = run;
  const digest = manifest.chunk_size === DIGEST_CHUNK_SIZE ? digestManifest(manifest) : null;
  if (digest === null) return () => undefined;
  const keys = haveMapKeys(manifest);
  const voted = new Set(agreeing.map((s) => s.peerId));
  const metAsPartial = new Set<PeerId>();
  const follow = (peer: PeerId): void => {
    if (voted.has(peer)) return;
    const holding: SwarmHolding | undefined = swarm.holding(peer);
    let added = false;
    if (
      holding?.kind === 'partial' &&
      holding.digest === digest &&
      holding.version === manifest.version &&
      holding.have.chunks === keys.length
    ) {
      metAsPartial.add(peer);
      const held = new Set(keys.filter((_, i) => holding.have.has(i)));
      const fetching = new Set(keys.filter((_, i) => holding.fetching.has(i)));
      const relaying = new Set(keys.filter((_, i) => holding.relaying.has(i)));
      added = scheduler.setHolding(peer, held, fetching, relaying);
      for (const task of scheduler.yieldCollisions((other) => other < swarm.self))
        run.running
          .get(runningKey(task))
          ?.stop.abort(new LanspreadError('cancelled', 'another downloader fetches it'));
    } else if (holding?.kind === 'complete' && metAsPartial.has(peer)) {
      added = scheduler.setHolding(peer, 'all');
    } else if (metAsPartial.has(peer)) {
      // Withdrawn, or not complete yet: its finished download's Ready advert may still come.
      scheduler.setHolding(peer, new Set());
    }
    if (added && holding !== undefined) {
      req.log.info(
        { game: req.game.id, peer, kind: holding.kind },
        'a peer downloading the same files joined as a source',
      );
      startWorkers({ peerId: peer, addr: holding.addr });
    }
    wakeup.notify();
  };
  const unsubscribe = swarm.watch(follow);
  for (const peer of swarm.partialPeers()) follow(peer);
  return unsubscribe;
}

function dropSource(
  req: DownloadRequest,
  scheduler: ChunkScheduler<PeerId>,
  source: DownloadSource,
  reason: string,
): void {
  if (!scheduler.liveSources.includes(source.peerId)) return;
  scheduler.dropSource(source.peerId);
  req.log.warn(
    { game: req.game.id, peer: source.peerId, reason },
    'dropped a source from the download',
  );
  req.emit({
    event: 'download-peer-dropped',
    game: req.game.id,
    peer_id: source.peerId,
    peer_addr: source.addr,
    reason,
  });
}

/**
 * Fetches every candidate's manifest, refuses hostile ones and, when the catalog vouches for the
 * game's files, every one that does not match its digest; votes among the rest.
 */
async function agreeOnManifest(
  req: DownloadRequest,
  clients: Map<PeerId, TransferClient>,
): Promise<{ manifest: Manifest; agreeing: DownloadSource[] }> {
  const { game } = req;
  const refusals: string[] = [];
  // The most telling code among the refusals: a digest mismatch, then a hostile manifest.
  let refusedAs: ErrorCode = 'download-failed';
  const refuse = (source: DownloadSource, code: ErrorCode, reason: string): void => {
    refusals.push(`${source.addr}: ${reason}`);
    if (refusedAs !== 'digest-mismatch') refusedAs = code;
    req.log.warn({ game: game.id, peer: source.peerId, reason }, "refused a source's manifest");
    req.emit({
      event: 'download-peer-dropped',
      game: game.id,
      peer_id: source.peerId,
      peer_addr: source.addr,
      reason,
    });
  };
  const chunkSize = manifestChunkSize(game, req.chunkSize);
  const fetched = await Promise.all(
    req.sources.map(async (source) => {
      try {
        const manifest = await fetchManifest(req, source, clients, chunkSize);
        const problem = checkManifest(manifest, {
          game: game.id,
          version: game.version,
          chunkSize,
        });
        const mismatch = problem === null ? matchCatalogDigest(game, manifest) : null;
        if (problem !== null) refuse(source, 'hostile-manifest', `hostile manifest: ${problem}`);
        else if (mismatch !== null) refuse(source, 'digest-mismatch', mismatch);
        else return { source, manifest };
        return undefined;
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
      refusedAs,
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
 * The source's manifest, on a connection its first worker goes on with; asked again after a wait
 * while the source is busy (`serve-over-budget`), however long: a crowded source is slow, not gone.
 */
async function fetchManifest(
  req: DownloadRequest,
  source: DownloadSource,
  clients: Map<PeerId, TransferClient>,
  chunkSize: number,
): Promise<Manifest> {
  const { game, signal } = req;
  return retryWhileBusy(
    async () => {
      // A refusal leaves the connection usable: ask again on it rather than open another.
      let client = clients.get(source.peerId);
      if (client === undefined || client.closed) {
        client = await req.connect(source, signal);
        clients.set(source.peerId, client);
      }
      return client.getManifest(game.id, game.version, chunkSize, signal);
    },
    { signal, log: req.log, fields: { game: game.id, peer: source.peerId }, what: 'the manifest' },
  );
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
