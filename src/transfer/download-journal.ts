/** The resume journal: verified chunks of an unfinished download, in `<root>/.lanspread/` (S48). */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { GameId, GameVersion } from '../ids.js';

const FLUSH_DELAY_MS = 250;

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

export class DownloadJournal {
  readonly #file: string;
  readonly #header: JournalHeader;
  readonly #verified: Set<string>;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  private constructor(file: string, header: JournalHeader, verified: Set<string>) {
    this.#file = file;
    this.#header = header;
    this.#verified = verified;
  }

  /** Loads the journal of this exact download; one for other bytes, or a corrupt one, starts empty. */
  static async open(
    root: string,
    game: GameId,
    version: GameVersion,
    manifestDigest: string,
    chunkSize: number,
  ): Promise<DownloadJournal> {
    const file = join(root, '.lanspread', 'download.json');
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
      // No journal yet, or an unreadable one: nothing is known to be verified.
    }
    return new DownloadJournal(file, header, verified);
  }

  get verified(): ReadonlySet<string> {
    return this.#verified;
  }

  /** Records a verified chunk; written in batches, so a crash loses at most the last moment's. */
  record(key: string): void {
    this.#verified.add(key);
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, FLUSH_DELAY_MS);
  }

  /**
   * Writes the journal; resolves false when it could not (a full disk): the journal only saves
   * work on a resume, so a failed write must never fail the download by itself.
   */
  async flush(): Promise<boolean> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const body = JSON.stringify({ ...this.#header, verified: [...this.#verified] });
    const write = this.#writing.then(async () => {
      await mkdir(join(this.#file, '..'), { recursive: true });
      const temp = `${this.#file}.tmp`;
      await writeFile(temp, body);
      await rename(temp, this.#file);
    });
    this.#writing = write.catch(() => undefined);
    return write.then(
      () => true,
      () => false,
    );
  }

  async remove(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#writing;
    await rm(this.#file, { force: true });
  }
}
