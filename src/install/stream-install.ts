/** Streamed install, receiving side: a source unpacks, we write only `local/` (S39–S47). */
import { mkdir, readdir, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  MAX_ARCHIVE_ENTRIES,
  safeEntryPath,
  unsafeLink,
  type PlannedFile,
  type PlannedLink,
} from '../archive/index.js';
import type { CatalogGame } from '../catalog/index.js';
import { LanspreadError, errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { caseClash, foldName } from '../portable-name.js';
import type { StreamEntry, StreamPlan } from '../protocol/index.js';
import {
  assertFreeSpace,
  removeRetrying,
  requireVouchedSource,
  retryWhileBusy,
  type DownloadEvent,
  type DownloadSource,
  tickProgress,
  type StreamReceiver,
  type Traffic,
  type TransferClient,
} from '../transfer/index.js';
import { makeDirs, makeLinks } from './extract-archives.js';
import {
  commitStaging,
  exists,
  installFailure,
  LOCAL_DIR,
  STAGING_DIR,
} from './install-transaction.js';
import { StagingWriter } from './staging-writer.js';

export type StreamInstallEvent =
  | DownloadEvent
  /** The stream ended: `bytesReceived` crossed the wire in `durationMs` (the peer reports it as a download's end). */
  | {
      event: 'stream-finished';
      game: string;
      bytes: number;
      bytesReceived: number;
      durationMs: number;
    }
  | { event: 'install-begin' | 'install-finished'; game: string };

export interface StreamInstallRequest {
  game: CatalogGame;
  root: string;
  /** Tried in this order, each for a fresh whole stream, until one succeeds (S42). */
  sources: readonly DownloadSource[];
  connect(source: DownloadSource, signal: AbortSignal): Promise<TransferClient>;
  emit(event: StreamInstallEvent): void;
  log: Logger;
  signal: AbortSignal;
  /** Counts the streamed bytes by source, as downloads count theirs. */
  traffic?: Traffic;
}

function unsafe(message: string): LanspreadError {
  return new LanspreadError('archive-unsafe-entry', `the source streamed ${message}`);
}

/** Writes one source's stream into the staging folder, checking every path, size and CRC32. */
class StagingReceiver implements StreamReceiver {
  readonly #links: PlannedLink[] = [];
  readonly #linkPaths = new Set<string>();
  /** Sizes of the files received, by path: what a copy of one adds. */
  readonly #received = new Map<string, number>();
  /** What the plan announced; entries beyond it fail the stream (`stream-over-plan`). */
  #planned = { files: 0, bytes: 0 };
  /** Entries begun so far, and the bytes their headers announce. */
  #files = 0;
  #announced = 0;
  /** Files and links by their case-folded path, and the folded folders: a Windows disk's view. */
  readonly #folded = new Map<string, string>();
  readonly #foldedDirs = new Set<string>();
  #writer: StagingWriter | null = null;
  #entry: PlannedFile | null = null;
  #closed = false;
  /** Bytes of this stream written so far, for its `download-progress`. */
  #written = 0;
  #stopProgress: () => void = () => undefined;
  #inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly req: StreamInstallRequest,
    private readonly source: DownloadSource,
    private readonly staging: string,
  ) {}

  async #plan(plan: StreamPlan): Promise<void> {
    if (plan.files > MAX_ARCHIVE_ENTRIES) {
      throw new LanspreadError(
        'archive-too-many-entries',
        `the source plans ${plan.files} files; lanspread unpacks at most ${MAX_ARCHIVE_ENTRIES} for one game`,
      );
    }
    this.#planned = { files: plan.files, bytes: plan.bytes };
    for (const dir of plan.dirs) {
      if (safeEntryPath(dir) !== dir) throw unsafe(`the folder ${dir}`);
    }
    for (const link of plan.links) {
      const target = link.kind === 'symlink' ? link.target : safeEntryPath(link.target);
      if (safeEntryPath(link.path) !== link.path || target === null) {
        throw unsafe(`a link ${link.path} -> ${link.target}`);
      }
      this.#links.push({ name: link.path, ...link });
      this.#linkPaths.add(link.path);
    }
    const problem = unsafeLink(plan.links, new Set(plan.dirs));
    if (problem !== null) throw unsafe(`links it cannot make: ${problem}`);
    for (const dir of plan.dirs) {
      if (this.#throughLink(dir)) throw unsafe(`the folder ${dir} inside a link`);
    }
    const clash = caseClash(
      plan.links.map((l) => l.path),
      plan.dirs,
    );
    if (clash !== null) throw unsafe(`names that clash: ${clash}`);
    for (const link of plan.links) this.#foldFile(link.path);
    for (const dir of plan.dirs) this.#foldedDirs.add(foldName(dir));
    await assertFreeSpace(this.staging, plan.bytes);
    await makeDirs(this.staging, plan.dirs);
    this.#writer = new StagingWriter(
      this.staging,
      this.source.addr,
      () => this.#entry ?? undefined,
    );
    this.req.emit({ event: 'download-begin', game: this.req.game.id, bytes: plan.bytes });
    this.#stopProgress = tickProgress(
      this.req.game.id,
      plan.bytes,
      () => ({ bytesDone: this.#written, received: this.#written, activePeers: 1 }),
      (event) => {
        this.req.emit(event);
      },
    );
  }

  async #beginEntry(entry: StreamEntry): Promise<void> {
    const writer = this.#writer;
    if (writer === null) throw new LanspreadError('protocol-error', 'an entry before the plan');
    const path = safeEntryPath(entry.path);
    if (path !== entry.path || this.#linkPaths.has(path) || this.#throughLink(path)) {
      throw unsafe(`the entry ${entry.path}`);
    }
    this.#bindToPlan(entry);
    this.#foldFile(path);
    // No symlink exists in staging yet, so creating the parents cannot leave it.
    await mkdir(dirname(join(this.staging, path)), { recursive: true });
    this.#entry = {
      name: path,
      path,
      size: entry.size,
      crc32: entry.crc32,
      mtimeMs: null,
      stored: null,
    };
    await writer.beginFile(path);
  }

  #write(bytes: Buffer): Promise<void> {
    if (this.#writer === null) throw new LanspreadError('protocol-error', 'data before the plan');
    this.#written += bytes.length;
    this.req.traffic?.received(this.source.peerId, bytes.length);
    return this.#writer.write(bytes);
  }

  async #endEntry(crc32: number): Promise<void> {
    const writer = this.#writer;
    const entry = this.#entry;
    if (writer === null || entry === null)
      throw new LanspreadError('protocol-error', 'no entry to end');
    this.#entry = null;
    await writer.endFile();
    if (writer.lastCrc32 !== crc32) {
      throw new LanspreadError(
        'archive-data-crc',
        `${entry.path}: the bytes received do not match the source's CRC32`,
      );
    }
    this.#received.set(entry.path, entry.size);
    this.req.emit({
      event: 'download-chunk-finished',
      game: this.req.game.id,
      path: entry.path,
      offset: 0,
      length: entry.size,
      peer_id: this.source.peerId,
      peer_addr: this.source.addr,
    });
  }

  /**
   * Entries are bound to the plan, whose bytes passed the free-space check: one more file than
   * it counts, or bytes past its total, fail the stream before they are written.
   */
  #bindToPlan(entry: StreamEntry): void {
    this.#files++;
    this.#announced += entry.size;
    if (this.#files > this.#planned.files || this.#announced > this.#planned.bytes) {
      throw new LanspreadError(
        'stream-over-plan',
        `the source sent ${entry.path} (${entry.size} bytes) as file ${this.#files} with ${this.#announced} bytes in all; its plan announced ${this.#planned.files} files and ${this.#planned.bytes} bytes`,
      );
    }
  }

  /** Links last, as an install makes them; then the staging folder is complete. */
  async finish(): Promise<void> {
    // Copies take space too: the plan's bytes count them (as an install's plan does).
    let bytes = this.#announced;
    for (const link of this.#links) {
      if (link.kind !== 'copy') continue;
      const size = this.#received.get(link.target);
      if (size === undefined) throw unsafe(`a copy of ${link.target}, a file it never sent`);
      bytes += size;
    }
    if (bytes > this.#planned.bytes) {
      throw new LanspreadError(
        'stream-over-plan',
        `the source's files and their copies make ${bytes} bytes; its plan announced ${this.#planned.bytes}`,
      );
    }
    await makeLinks(this.staging, this.#links);
  }

  /**
   * Records a file or link, refusing one that a case-insensitive disk would put in place of
   * another (the same path twice is a later archive set replacing a file), or of a folder.
   */
  #foldFile(path: string): void {
    const key = foldName(path);
    const twin = this.#folded.get(key);
    if ((twin !== undefined && twin !== path) || this.#foldedDirs.has(key)) {
      throw unsafe(`${path}, which a case-insensitive disk holds as ${twin ?? 'a folder'}`);
    }
    const segments = key.split('/');
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join('/');
      const file = this.#folded.get(parent);
      if (file !== undefined) throw unsafe(`${path}, inside ${file}, a file`);
      this.#foldedDirs.add(parent);
    }
    this.#folded.set(key, path);
  }

  /** Whether a strict parent folder of `path` is one of the plan's links. */
  #throughLink(path: string): boolean {
    const parents = path.split('/').slice(0, -1);
    return parents.some((_, i) => this.#linkPaths.has(parents.slice(0, i + 1).join('/')));
  }

  // The client may still deliver steps it queued before the stream failed; once closed they
  // fail at once, and close waits for the one in flight, so nothing is written after cleanup.
  plan(plan: StreamPlan): Promise<void> {
    return this.#step(() => this.#plan(plan));
  }

  beginEntry(entry: StreamEntry): Promise<void> {
    return this.#step(() => this.#beginEntry(entry));
  }

  write(bytes: Buffer): Promise<void> {
    return this.#step(() => this.#write(bytes));
  }

  endEntry(crc32: number): Promise<void> {
    return this.#step(() => this.#endEntry(crc32));
  }

  #step(run: () => Promise<void>): Promise<void> {
    if (this.#closed) return Promise.reject(new LanspreadError('cancelled', 'the stream ended'));
    const step = run();
    this.#inFlight = step.catch(() => undefined);
    return step;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stopProgress();
    await this.#inFlight;
    await this.#writer?.close();
  }
}

/** Errors that another source cannot cure: ours, not the source's. */
function isLocalFailure(err: unknown): boolean {
  return (
    err instanceof LanspreadError &&
    (err.code === 'insufficient-space' || err.code === 'install-failed')
  );
}

/**
 * Streams the game from the first source that completes a whole stream, then swaps the staging
 * folder in as `local/`. No `version.ini` and no archive are written, so the game is LocalOnly:
 * installed, not a source (S40). On every failure, cancel included, the staging folder goes, and
 * the root too when this install created it.
 */
export async function streamInstallGame(
  req: StreamInstallRequest,
): Promise<{ files: number; bytes: number }> {
  const { root, signal } = req;
  const staging = join(root, STAGING_DIR);
  const createdRoot = !(await exists(root));
  let last: unknown = null;
  try {
    for (const source of req.sources) {
      signal.throwIfAborted();
      const started = Date.now();
      const receiver = new StagingReceiver(req, source, staging);
      // Set inside the retried attempt, so not narrowed to its first value.
      let client = null as TransferClient | null;
      try {
        await removeRetrying(staging);
        await mkdir(staging, { recursive: true });
        // A busy source refuses before its plan, so the receiver is still untouched for the next try.
        const counts = await retryWhileBusy(
          async () => {
            // A refusal leaves the connection usable: ask again on it rather than open another.
            if (client === null || client.closed) client = await req.connect(source, signal);
            await requireVouchedSource(client, req.game, signal);
            return client.streamInstall(req.game.id, req.game.version, receiver, signal);
          },
          { signal, log: req.log, fields: { source: source.addr }, what: 'the stream' },
        );
        await receiver.close();
        req.emit({
          event: 'stream-finished',
          game: req.game.id,
          bytes: counts.bytes,
          bytesReceived: counts.bytes,
          durationMs: Date.now() - started,
        });
        req.emit({ event: 'install-begin', game: req.game.id });
        await receiver.finish();
        if (await exists(join(root, LOCAL_DIR))) {
          throw new LanspreadError('already-installed', `${req.game.id} was installed meanwhile`);
        }
        await commitStaging(root);
        req.emit({ event: 'install-finished', game: req.game.id });
        return counts;
      } catch (err) {
        await receiver.close().catch(() => undefined);
        await removeRetrying(staging);
        const failure = installFailure(err, signal);
        if (signal.aborted || isLocalFailure(failure)) throw failure;
        last = failure;
        const reason = errorMessage(failure);
        req.log.warn(
          { source: source.addr, err: reason },
          'streamed install from this source failed',
        );
        req.emit({
          event: 'download-peer-dropped',
          game: req.game.id,
          peer_id: source.peerId,
          peer_addr: source.addr,
          reason,
        });
      } finally {
        client?.close();
      }
    }
    // An archive fault (encrypted, corrupt, unsafe …) or a source the catalog does not vouch for
    // keeps its code, so the user sees why (S53, S66).
    const code =
      last instanceof LanspreadError &&
      (last.code.startsWith('archive-') || last.code === 'digest-mismatch')
        ? last.code
        : 'no-sources-left';
    throw new LanspreadError(
      code,
      `every source failed to stream ${req.game.id}${last === null ? '' : `; the last: ${errorMessage(last)}`}`,
    );
  } catch (err) {
    if (createdRoot) await removeIfEmpty(root);
    throw err;
  }
}

/** Removes a root a streamed install created, once nothing of it is left. */
export async function removeIfEmpty(dir: string): Promise<void> {
  try {
    if ((await readdir(dir)).length === 0) await rmdir(dir);
  } catch {
    // Gone already, or someone put a file there: either way it is not ours to remove.
  }
}
