/** The resume journal: verified chunks of an unfinished download, in `<root>/.lanspread/` (S48). */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { sweepTempFiles, writeFileAtomic } from '../atomic-write.js';
import type { GameId, GameVersion } from '../ids.js';

/** Longest a verified chunk waits before its write starts: a crash loses at most this much. */
export const JOURNAL_FLUSH_DELAY_MS = 250;
/** This many verified chunks not yet being written start a write at once, whatever the delay. */
export const JOURNAL_FLUSH_CHUNKS = 4;
/** A verification waits for the disk while more chunks than this are verified but not on disk. */
export const JOURNAL_MAX_UNWRITTEN = 2 * JOURNAL_FLUSH_CHUNKS;

const journalSchema = z.object({
  game: z.string(),
  version: z.string(),
  manifest_digest: z.string(),
  chunk_size: z.number(),
  verified: z.array(z.string()),
});

interface JournalHeader {
  game: GameId;
  version: GameVersion;
  manifest_digest: string;
  chunk_size: number;
}

export function journalPath(root: string): string {
  return join(root, '.lanspread', 'download.json');
}

export class DownloadJournal {
  readonly #file: string;
  readonly #header: JournalHeader;
  readonly #verified: Set<string>;
  #timer: NodeJS.Timeout | undefined;
  /** Writes run one after another, so an older body never lands after a newer one. */
  #writing: Promise<unknown> = Promise.resolve();
  #removed = false;
  /** How many keys the newest started write holds, and the newest landed one (the set only grows). */
  #queued: number;
  #onDisk: number;
  #wroteOnce = false;

  private constructor(file: string, header: JournalHeader, verified: Set<string>) {
    this.#file = file;
    this.#header = header;
    this.#verified = verified;
    this.#queued = verified.size;
    this.#onDisk = verified.size;
  }

  /** Loads the journal of this exact download; one for other bytes, or a corrupt one, starts empty. */
  static async open(
    root: string,
    game: GameId,
    version: GameVersion,
    manifestDigest: string,
    chunkSize: number,
  ): Promise<DownloadJournal> {
    const file = journalPath(root);
    // The root's operations run one at a time: a journal temp file here is a crashed run's.
    await sweepTempFiles(dirname(file));
    const header = { game, version, manifest_digest: manifestDigest, chunk_size: chunkSize };
    let verified = new Set<string>();
    try {
      const parsed = journalSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
      if (
        parsed.success &&
        parsed.data.game === game &&
        parsed.data.version === version &&
        parsed.data.manifest_digest === manifestDigest &&
        parsed.data.chunk_size === chunkSize
      ) {
        verified = new Set(parsed.data.verified);
      }
    } catch {
      // No journal yet, or unreadable JSON: nothing is known to be verified, so all is fetched.
    }
    return new DownloadJournal(file, header, verified);
  }

  get verified(): ReadonlySet<string> {
    return this.#verified;
  }

  /**
   * Records a verified chunk. The first one of a run and every JOURNAL_FLUSH_CHUNKS-th are
   * written at once, the rest within JOURNAL_FLUSH_DELAY_MS; resolves once at most
   * JOURNAL_MAX_UNWRITTEN verified chunks are missing on disk, so a crash loses little.
   */
  record(key: string): Promise<void> {
    if (this.#removed) return Promise.resolve();
    this.#verified.add(key);
    if (!this.#wroteOnce || this.#verified.size - this.#queued >= JOURNAL_FLUSH_CHUNKS) {
      void this.flush();
    } else if (this.#verified.size > this.#queued) {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        // Best effort: the owner's final flush() writes the whole set again and reports failure.
        void this.flush();
      }, JOURNAL_FLUSH_DELAY_MS);
      // A pending batch must not keep the process alive; the owner flushes before it lets go.
      this.#timer.unref();
    }
    if (this.#verified.size - this.#onDisk <= JOURNAL_MAX_UNWRITTEN) return Promise.resolve();
    // A failed write (full disk) lets the download go on: the journal only saves work on a resume.
    return this.#writing.then(() => undefined);
  }

  /**
   * Writes the journal now (temp file + rename, so a reader never sees half a file); resolves
   * false when it could not (a full disk): the journal only saves work on a resume, so a failed
   * write must never fail the download by itself.
   */
  async flush(): Promise<boolean> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#removed) return true;
    this.#wroteOnce = true;
    const keys = [...this.#verified];
    this.#queued = keys.length;
    const body = JSON.stringify({ ...this.#header, verified: keys });
    const write = this.#writing.then(async () => {
      await mkdir(dirname(this.#file), { recursive: true });
      // Not flushed: a resume re-checks every journaled chunk by hash, so a journal lost in a
      // power cut costs a re-check, while a flush four times a second made each one wait for
      // the disk's cache, and the download's direct writes with it (halved their rate here).
      await writeFileAtomic(this.#file, body, { flush: false });
      this.#onDisk = Math.max(this.#onDisk, keys.length);
    });
    this.#writing = write.catch(() => undefined);
    return write.then(
      () => true,
      () => false,
    );
  }

  /** Deletes the journal once the download has committed; later records are ignored. */
  async remove(): Promise<void> {
    this.#removed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#writing;
    await rm(this.#file, { force: true });
  }
}
