/** The download queue on disk, `STATE/download-queue.json`: its order, paused and install flags, restored at start. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../atomic-write.js';
import { errorMessage } from '../errors.js';
import { isGameId, type GameId } from '../ids.js';
import type { Logger } from '../logger.js';
import type { QueueKind } from './contract.js';

/** A download or update the player asked for, until it ends; running or not is not stored. */
export interface QueueEntry {
  game: GameId;
  kind: QueueKind;
  install: boolean;
  paused: boolean;
}

const entrySchema = z.object({
  game: z.string().refine(isGameId),
  kind: z.enum(['download', 'update']),
  install: z.boolean(),
  paused: z.boolean(),
});
const fileSchema = z.object({ entries: z.array(entrySchema) });

export function queueFile(stateDir: string): string {
  return join(stateDir, 'download-queue.json');
}

/** The saved queue, one entry a game; none when there is no file, a damaged one is logged. */
export async function readQueue(stateDir: string, log: Logger): Promise<QueueEntry[]> {
  const file = queueFile(stateDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      log.warn({ file, err: errorMessage(err) }, 'download queue unreadable; starting empty');
    return [];
  }
  try {
    const { entries } = fileSchema.parse(JSON.parse(text));
    const seen = new Set<string>();
    return entries.filter((entry) => !seen.has(entry.game) && seen.add(entry.game));
  } catch (err) {
    log.warn({ file, err: errorMessage(err) }, 'download queue malformed; starting empty');
    return [];
  }
}

export async function writeQueue(stateDir: string, entries: readonly QueueEntry[]): Promise<void> {
  const stored = entries.map(({ game, kind, install, paused }) => ({
    game,
    kind,
    install,
    paused,
  }));
  await writeFileAtomic(queueFile(stateDir), `${JSON.stringify({ entries: stored }, null, 2)}\n`);
}
