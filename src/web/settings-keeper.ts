/** settings.json and the peer's games folder kept in step for the settings routes. */
import { statfs } from 'node:fs/promises';
import { LanspreadError, errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Peer } from '../peer/index.js';
import {
  checkGamesDir,
  readSettings,
  settingsPatchSchema,
  writeSettings,
  type Settings,
} from './settings.js';

export type SettingsView = Settings & { free_bytes: number | null };

/** Changes are applied one at a time. */
export class SettingsKeeper {
  current: Settings = { username: '', language: '' };
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly stateDir: string,
    readonly peer: Peer,
    readonly log: Logger,
  ) {}

  async load(): Promise<void> {
    this.current = await readSettings(this.stateDir, this.log);
    await this.rememberGamesDir();
  }

  async view(): Promise<SettingsView> {
    const gamesDir = this.peer.gamesDir;
    let free: number | null = null;
    try {
      const fs = await statfs(gamesDir);
      free = fs.bavail * fs.bsize;
    } catch (err) {
      this.log.warn({ err: errorMessage(err), games_dir: gamesDir }, 'free space unknown');
    }
    return { ...this.current, games_dir: gamesDir, free_bytes: free };
  }

  update(body: Record<string, unknown>): Promise<SettingsView> {
    const next = this.#queue.then(async () => {
      const parsed = settingsPatchSchema.safeParse(body);
      if (!parsed.success) {
        const issues = parsed.error.issues.map(
          (i) => `${i.path.join('.') || 'body'}: ${i.message}`,
        );
        throw new LanspreadError('bad-command', `bad settings: ${issues.join('; ')}`);
      }
      const patch = parsed.data;
      if (patch.games_dir !== undefined) {
        const dir = await checkGamesDir(patch.games_dir);
        if (dir !== this.peer.gamesDir) await this.peer.execute({ cmd: 'set-game-dir', path: dir });
      }
      this.current = {
        username: patch.username ?? this.current.username,
        language: patch.language ?? this.current.language,
        games_dir: this.peer.gamesDir,
      };
      await writeSettings(this.stateDir, this.current);
      return this.view();
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Saves the peer's games folder when it is not the one on file. */
  async rememberGamesDir(): Promise<void> {
    if (this.current.games_dir === this.peer.gamesDir) return;
    this.current = { ...this.current, games_dir: this.peer.gamesDir };
    await writeSettings(this.stateDir, this.current);
  }
}
