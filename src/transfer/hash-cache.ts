/** Chunk hashes of local files, kept in the state folder so unchanged roots are never re-hashed. */
import { readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../atomic-write.js';
import { BatchFlusher } from '../batch-flusher.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { isServedChunkSize } from '../protocol/index.js';

const FILE_NAME = 'hash-cache.json';
const FORMAT_VERSION = 1;
const FLUSH_DELAY_MS = 2_000;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const entrySchema = z.object({
  size: z.number().int().nonnegative(),
  mtimeMs: z.number(),
  /** Keyed by the chunk size in decimal. */
  chunks: z.record(z.string().regex(/^[1-9][0-9]*$/), z.array(sha256Hex)),
});
const fileSchema = z.object({
  version: z.literal(FORMAT_VERSION),
  files: z.record(z.string(), entrySchema),
});

interface Entry {
  size: number;
  mtimeMs: number;
  chunks: Map<number, string[]>;
}

/**
 * Persistent map from (absolute path, size, mtime, chunk size) to the file's chunk hashes. Only
 * the served chunk sizes (CHUNK_SIZES) are kept, so no request can push a file's hashes out.
 */
export class HashCache {
  readonly #file: string;
  readonly #entries: Map<string, Entry>;
  readonly #log: Logger;
  readonly #flusher = new BatchFlusher(FLUSH_DELAY_MS, () => void this.flush());
  #dirty = false;

  private constructor(file: string, entries: Map<string, Entry>, log: Logger) {
    this.#file = file;
    this.#entries = entries;
    this.#log = log;
  }

  /** A missing or corrupt cache starts empty: it only ever saves work, so it is never fatal. */
  static async open(stateDir: string, log: Logger): Promise<HashCache> {
    const file = join(stateDir, FILE_NAME);
    const entries = new Map<string, Entry>();
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        log.warn({ file, err: errorMessage(err) }, 'ignoring an unreadable hash cache');
    }
    if (text !== undefined) {
      try {
        const parsed = fileSchema.parse(JSON.parse(text));
        let dropped = 0;
        for (const [path, e] of Object.entries(parsed.files)) {
          const chunks = new Map<number, string[]>();
          for (const [key, hashes] of Object.entries(e.chunks)) {
            const chunkSize = Number(key);
            // Sizes an older version served are left behind quietly: nobody asks for them now.
            if (!isServedChunkSize(chunkSize)) continue;
            if (hashes.length === chunkCount(e.size, chunkSize)) chunks.set(chunkSize, hashes);
            else dropped++;
          }
          if (chunks.size > 0) entries.set(path, { size: e.size, mtimeMs: e.mtimeMs, chunks });
        }
        if (dropped > 0) log.warn({ file, dropped }, 'dropped inconsistent hash cache entries');
      } catch (err) {
        log.warn({ file, err: errorMessage(err) }, 'ignoring a corrupt hash cache');
      }
    }
    return new HashCache(file, entries, log);
  }

  /** The hashes of `absPath` if it has not changed (size and mtime) since they were computed. */
  get(absPath: string, size: number, mtimeMs: number, chunkSize: number): string[] | undefined {
    const e = this.#entries.get(absPath);
    if (e === undefined || e.size !== size || e.mtimeMs !== mtimeMs) return undefined;
    return e.chunks.get(chunkSize);
  }

  /** Records hashes; a new size or mtime replaces everything known about the path. */
  set(absPath: string, size: number, mtimeMs: number, chunkSize: number, hashes: string[]): void {
    if (!isServedChunkSize(chunkSize) || hashes.length !== chunkCount(size, chunkSize)) {
      this.#log.warn({ absPath, size, chunkSize }, 'not caching hashes that do not fit the file');
      return;
    }
    let e = this.#entries.get(absPath);
    if (e?.size !== size || e.mtimeMs !== mtimeMs) {
      e = { size, mtimeMs, chunks: new Map() };
      this.#entries.set(absPath, e);
    }
    e.chunks.set(chunkSize, [...hashes]);
    this.#changed();
  }

  /**
   * Forgets every file that is not in one of `games` directly under `gamesDir`: games removed,
   * or a games folder no longer used, would otherwise stay in the cache for good.
   */
  keepGames(gamesDir: string, games: ReadonlySet<string>): void {
    const prefix = gamesDir.endsWith(sep) ? gamesDir : gamesDir + sep;
    this.#forgetWhere((path) => {
      if (!path.startsWith(prefix)) return true;
      const rest = path.slice(prefix.length);
      const end = rest.indexOf(sep);
      return end <= 0 || !games.has(rest.slice(0, end));
    });
  }

  /** Forgets the files under `root` that are not in `present` (absolute paths): they are gone. */
  keepFiles(root: string, present: ReadonlySet<string>): void {
    const prefix = root.endsWith(sep) ? root : root + sep;
    this.#forgetWhere((path) => path.startsWith(prefix) && !present.has(path));
  }

  #forgetWhere(gone: (path: string) => boolean): void {
    let forgotten = 0;
    for (const path of this.#entries.keys()) {
      if (gone(path)) {
        this.#entries.delete(path);
        forgotten++;
      }
    }
    if (forgotten > 0) this.#changed();
  }

  /** Saves soon, once for a burst of changes. */
  #changed(): void {
    this.#dirty = true;
    this.#flusher.soon();
  }

  /** Writes the cache now (temp file and rename, so a crash leaves the old or the new file). */
  async flush(): Promise<void> {
    await this.#flusher.run(() => this.#write());
  }

  async #write(): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    const files: Record<string, z.infer<typeof entrySchema>> = {};
    for (const [path, e] of this.#entries) {
      files[path] = {
        size: e.size,
        mtimeMs: e.mtimeMs,
        chunks: Object.fromEntries([...e.chunks].map(([k, v]) => [String(k), v])),
      };
    }
    const body = JSON.stringify({ version: FORMAT_VERSION, files });
    try {
      await writeFileAtomic(this.#file, body);
    } catch (err) {
      // Only work is lost; the next set() tries again.
      this.#dirty = true;
      this.#log.warn({ file: this.#file, err: errorMessage(err) }, 'could not save the hash cache');
    }
  }
}

function chunkCount(size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize);
}
