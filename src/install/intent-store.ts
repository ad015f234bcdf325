/**
 * Intents of operations that change a game on disk in several steps, kept in `STATE/intents/` for
 * startup recovery; and in `STATE/flushes/`, the committed downloads whose files are not all on
 * the disk yet (the game is in use meanwhile, so a flush is not an operation's intent).
 */
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../atomic-write.js';
import { errorMessage } from '../errors.js';
import { isGameId, type GameId } from '../ids.js';
import type { Logger } from '../logger.js';

const game = z.string().refine(isGameId);
const path = z.string().min(1);

const intentSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('download'), game, root: path }),
  z.object({ kind: z.literal('install'), game, root: path }),
  z.object({ kind: z.literal('uninstall'), game, root: path }),
  z.object({
    kind: z.literal('stream-install'),
    game,
    root: path,
    /** The root did not exist before: recovery removes what is left of it. */
    created_root: z.boolean(),
  }),
  z.object({
    kind: z.literal('update'),
    game,
    root: path,
    staging: path,
    old: path,
    from: z.string().nullable(),
    to: z.string(),
    /** `fetch`: only the staging root is written; `swap`: it is complete and goes in. */
    phase: z.enum(['fetch', 'swap']),
  }),
  z.object({ kind: z.literal('remove-files'), game, root: path, trash: path }),
  z.object({
    kind: z.literal('flush'),
    game,
    root: path,
    /** The system's boot the download committed in (`systemBootId`); null when it was not known. */
    boot: z.string().nullable(),
  }),
]);

export type Intent = z.infer<typeof intentSchema>;
/** The intent of an operation on a game, recorded while the operation runs. */
export type OperationIntent = Exclude<Intent, { kind: 'flush' }>;

export class IntentStore {
  readonly #dir: string;

  constructor(stateDir: string, folder: 'intents' | 'flushes' = 'intents') {
    this.#dir = join(stateDir, folder);
  }

  /** Records (or replaces) the intent for its game, durably, before the disk is touched. */
  async record(intent: Intent): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    await writeFileAtomic(this.#file(intent.game), JSON.stringify(intent));
  }

  /** The operation ended (either way) and the disk is settled: the intent goes. */
  async clear(game: GameId): Promise<void> {
    await rm(this.#file(game), { force: true });
  }

  /** Every readable intent; an unreadable file is logged and removed, as nothing can act on it. */
  async list(log: Logger): Promise<Intent[]> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch {
      return [];
    }
    const intents: Intent[] = [];
    for (const name of names.sort()) {
      const file = join(this.#dir, name);
      if (!name.endsWith('.json')) {
        // A temp file of a write cut short: the intent it replaced (if any) is still there.
        await rm(file, { force: true });
        continue;
      }
      try {
        intents.push(intentSchema.parse(JSON.parse(await readFile(file, 'utf8'))));
      } catch (err) {
        log.warn({ file, err: errorMessage(err) }, 'dropping an unreadable operation intent');
        await rm(file, { force: true });
      }
    }
    return intents;
  }

  #file(game: GameId): string {
    return join(this.#dir, `${game}.json`);
  }
}
