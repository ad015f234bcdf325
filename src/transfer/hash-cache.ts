/** Chunk hashes of local files, kept in the state folder so unchanged roots are never re-hashed. */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';

const FLUSH_DELAY_MS = 2_000;

const entrySchema = z.object({
  size: z.number(),
  mtimeMs: z.number(),
  chunkSize: z.number(),
  hashes: z.array(z.string()),
});
const fileSchema = z.record(z.string(), entrySchema);
type Entry = z.infer<typeof entrySchema>;

export class HashCache {
  readonly #file: string;
  readonly #entries: Map<string, Entry>;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  private constructor(file: string, entries: Map<string, Entry>, log: Logger) {
    this.#file = file;
    this.#entries = entries;
    this.#log = log;
  }

  /** A missing or corrupt cache starts empty: it only ever saves work. */
  static async open(stateDir: string, log: Logger): Promise<HashCache> {
    const file = join(stateDir, 'hash-cache.json');
    let entries = new Map<string, Entry>();
    try {
      entries = new Map(Object.entries(fileSchema.parse(JSON.parse(await readFile(file, 'utf8')))));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        log.warn({ file, err: errorMessage(err) }, 'ignoring an unreadable hash cache');
    }
    return new HashCache(file, entries, log);
  }

  /** Hashes of `path`, if it has not changed (size and mtime) since they were computed. */
  get(path: string, size: number, mtimeMs: number, chunkSize: number): string[] | undefined {
    const e = this.#entries.get(path);
    return e !== undefined && e.size === size && e.mtimeMs === mtimeMs && e.chunkSize === chunkSize
      ? e.hashes
      : undefined;
  }

  set(path: string, size: number, mtimeMs: number, chunkSize: number, hashes: string[]): void {
    this.#entries.set(path, { size, mtimeMs, chunkSize, hashes });
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, FLUSH_DELAY_MS);
    this.#timer.unref();
  }

  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const body = JSON.stringify(Object.fromEntries(this.#entries));
    this.#writing = this.#writing.then(async () => {
      try {
        await writeFile(`${this.#file}.tmp`, body);
        await rename(`${this.#file}.tmp`, this.#file);
      } catch (err) {
        this.#log.warn(
          { file: this.#file, err: errorMessage(err) },
          'could not save the hash cache',
        );
      }
    });
    await this.#writing;
  }
}
