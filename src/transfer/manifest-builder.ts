/** Builds a game root's manifest (files and chunk hashes) from the hash cache or by hashing. */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { LanspreadError, errorMessage } from '../errors.js';
import type { GameId, GameVersion } from '../ids.js';
import type { Logger } from '../logger.js';
import { caseClash } from '../portable-name.js';
import {
  CHUNK_SIZES,
  MAX_CONTROL_PAYLOAD,
  MAX_MANIFEST_FILES,
  MAX_PATH_LENGTH,
  isServedChunkSize,
  type Manifest,
} from '../protocol/index.js';
import { hashFileChunks } from './chunk-hasher.js';
import { listGameFiles, type GameFile } from './game-files.js';
import type { HashCache } from './hash-cache.js';
import { isTransferablePath } from './transferable-path.js';

/** Files hashed at once: enough to keep the hasher pool busy, few enough to stop early on error. */
const HASH_CONCURRENCY = 4;
/** JSON bytes of one chunk hash in a manifest: 64 hex digits, quotes and a comma. */
const HASH_JSON_BYTES = 67;
/** JSON bytes of a file entry besides its path and hashes, rounded up. */
const FILE_JSON_BYTES = 64;

interface Flight {
  readonly promise: Promise<Manifest>;
  readonly controller: AbortController;
  waiters: number;
}

const inFlight = new Map<string, Flight>();

/**
 * The `manifest` message for the root. Concurrent requests for the same root and chunk size
 * share one build, so a swarm does not hash it N times; the build stops only when every
 * waiting caller has aborted. Refuses a chunk size outside CHUNK_SIZES (`serve-chunk-size`),
 * before any work, and a root that no manifest can describe (`serve-root-not-transferable`);
 * fails with `hash-failed` when a file changes while it is hashed. Without a cache (the offline
 * catalog tool) every file is hashed.
 */
export function buildManifest(
  root: string,
  game: GameId,
  version: GameVersion,
  chunkSize: number,
  cache: HashCache | null,
  log: Logger,
  signal?: AbortSignal,
): Promise<Manifest> {
  if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
  if (!isServedChunkSize(chunkSize)) {
    return Promise.reject(
      new LanspreadError(
        'serve-chunk-size',
        `manifests are served at chunks of ${CHUNK_SIZES.join(' or ')} bytes, not ${chunkSize}`,
      ),
    );
  }
  const key = [root, game, version, String(chunkSize)].join('\0');
  let flight = inFlight.get(key);
  if (flight === undefined) {
    const controller = new AbortController();
    const promise = build(root, game, version, chunkSize, cache, log, controller.signal);
    const started: Flight = { promise, controller, waiters: 0 };
    flight = started;
    inFlight.set(key, started);
    promise.then(
      () => {
        if (inFlight.get(key) === started) inFlight.delete(key);
      },
      (err: unknown) => {
        if (inFlight.get(key) === started) inFlight.delete(key);
        // Every waiter sees the error too; this line covers a build all of them abandoned.
        log.debug({ game, err: errorMessage(err) }, 'a manifest build ended with an error');
      },
    );
  }
  return wait(key, flight, signal);
}

function wait(key: string, flight: Flight, signal: AbortSignal | undefined): Promise<Manifest> {
  flight.waiters++;
  if (signal === undefined) return flight.promise;
  return new Promise<Manifest>((resolve, reject) => {
    const onAbort = (): void => {
      flight.waiters--;
      if (flight.waiters === 0) {
        if (inFlight.get(key) === flight) inFlight.delete(key);
        flight.controller.abort(signal.reason);
      }
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    flight.promise
      .finally(() => {
        signal.removeEventListener('abort', onAbort);
      })
      .then(resolve, reject);
  });
}

async function build(
  root: string,
  game: GameId,
  version: GameVersion,
  chunkSize: number,
  cache: HashCache | null,
  log: Logger,
  signal: AbortSignal,
): Promise<Manifest> {
  const files = await listGameFiles(root, log);
  signal.throwIfAborted();
  checkDescribable(game, files, chunkSize);
  cache?.keepFiles(root, new Set(files.map((f) => absPathOf(root, f))));

  const chunks: string[][] = new Array<string[]>(files.length);
  const toHash: number[] = [];
  for (const [i, file] of files.entries()) {
    const cached = cache?.get(absPathOf(root, file), file.size, file.mtimeMs, chunkSize);
    if (cached === undefined) toHash.push(i);
    else chunks[i] = cached;
  }
  if (toHash.length > 0) {
    log.debug({ game, files: toHash.length, chunkSize }, 'hashing files for a manifest');
    // One failure stops the other hashes of this build at once.
    const stop = new AbortController();
    const onAbort = (): void => {
      stop.abort(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < toHash.length) {
          const i = toHash[next++];
          if (i === undefined) return;
          const file = files[i];
          if (file === undefined) return;
          chunks[i] = await hashOne(root, file, chunkSize, cache, stop.signal);
        }
      };
      const lanes = Array.from({ length: Math.min(HASH_CONCURRENCY, toHash.length) }, lane);
      await Promise.all(
        lanes.map((p) =>
          p.catch((err: unknown) => {
            stop.abort(err);
            throw err;
          }),
        ),
      );
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  const manifest: Manifest = {
    t: 'manifest',
    game,
    version,
    chunk_size: chunkSize,
    files: files.map((file, i) => ({ path: file.path, size: file.size, chunks: chunks[i] ?? [] })),
  };
  const bytes = Buffer.byteLength(JSON.stringify(manifest));
  if (bytes > MAX_CONTROL_PAYLOAD) {
    throw new LanspreadError(
      'serve-root-not-transferable',
      `the manifest of ${game} has ${bytes} bytes; a control frame holds at most ${MAX_CONTROL_PAYLOAD}`,
    );
  }
  return manifest;
}

/** Refuses before any hashing a root that no manifest can carry, so nobody hashes 100 GB in vain. */
function checkDescribable(game: GameId, files: readonly GameFile[], chunkSize: number): void {
  if (files.length > MAX_MANIFEST_FILES) {
    throw new LanspreadError(
      'serve-root-not-transferable',
      `${game} has ${files.length} files; a manifest lists at most ${MAX_MANIFEST_FILES}`,
    );
  }
  let estimate = 0;
  for (const file of files) {
    if (file.path.length > MAX_PATH_LENGTH) {
      throw new LanspreadError(
        'serve-root-not-transferable',
        `${game} has a path of ${file.path.length} characters; a manifest allows ${MAX_PATH_LENGTH}`,
      );
    }
    if (!isTransferablePath(file.path)) {
      throw new LanspreadError(
        'serve-root-not-transferable',
        `${game} has a file whose name is not portable: ${JSON.stringify(file.path)}`,
      );
    }
    estimate +=
      FILE_JSON_BYTES +
      Buffer.byteLength(file.path) +
      Math.ceil(file.size / chunkSize) * HASH_JSON_BYTES;
  }
  // Every receiver refuses such a manifest (checkManifest); say why here, where it can be fixed.
  const clash = caseClash(files.map((f) => f.path));
  if (clash !== null) throw new LanspreadError('serve-root-not-transferable', `${game}: ${clash}`);
  if (estimate > MAX_CONTROL_PAYLOAD) {
    throw new LanspreadError(
      'serve-root-not-transferable',
      `the manifest of ${game} at chunks of ${chunkSize} bytes would exceed the control frame limit of ${MAX_CONTROL_PAYLOAD} bytes`,
    );
  }
}

async function hashOne(
  root: string,
  file: GameFile,
  chunkSize: number,
  cache: HashCache | null,
  signal: AbortSignal,
): Promise<string[]> {
  const abs = absPathOf(root, file);
  const hashes = await hashFileChunks(abs, file.size, chunkSize, signal);
  // Same size but a new mtime means it was rewritten while we read it: the hashes may mix both.
  const after = await lstat(abs).catch(() => undefined);
  if (after?.isFile() !== true || after.size !== file.size || after.mtimeMs !== file.mtimeMs) {
    throw new LanspreadError('hash-failed', `${abs} changed while it was hashed`);
  }
  cache?.set(abs, file.size, file.mtimeMs, chunkSize, hashes);
  return hashes;
}

function absPathOf(root: string, file: GameFile): string {
  return join(root, ...file.path.split('/'));
}
