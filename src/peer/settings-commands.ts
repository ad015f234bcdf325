/** The settings commands (get-settings, set-settings, set-game-dir), the saved player Play falls back to, the transfer path downloads take and their slots, and the saved bandwidth caps. */
import type { Logger } from '../logger.js';
import { errorMessage } from '../errors.js';
import { freeBytes } from '../transfer/index.js';
import type { CommandResults, LocalGameRow, SettingsView } from './contract.js';
import { checkGamesDir, writeSettings, type Settings } from './settings-file.js';
import type { Caps } from './transfer-limits.js';

/** What the settings need of the runtime: its games folder, and switching it. */
export interface GamesFolderHost {
  readonly gamesDir: string;
  /** Switches to an absolute folder already checked; refuses while an operation runs. */
  setGamesDir(dir: string): Promise<LocalGameRow[]>;
}

export interface SettingsPatch {
  username?: string;
  language?: string;
  games_dir?: string;
  encrypt_transfers?: boolean;
  max_active_downloads?: number;
}

/** Changes are applied one at a time, each saved to STATE/settings.json before it is answered. */
export class PeerSettings {
  #current: Settings;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly stateDir: string,
    saved: Settings,
    readonly host: GamesFolderHost,
    readonly log: Logger,
    /** More slots may start waiting downloads. */
    readonly onSlotsChanged: () => void = () => undefined,
  ) {
    this.#current = saved;
  }

  async view(): Promise<SettingsView> {
    const gamesDir = this.host.gamesDir;
    let free: number | null = null;
    try {
      free = await freeBytes(gamesDir);
    } catch (err) {
      this.log.warn({ err: errorMessage(err), games_dir: gamesDir }, 'free space unknown');
    }
    return {
      username: this.#current.username,
      language: this.#current.language,
      games_dir: gamesDir,
      free_bytes: free,
      encrypt_transfers: this.#current.encrypt_transfers,
      max_active_downloads: this.#current.max_active_downloads,
    };
  }

  update(patch: SettingsPatch): Promise<SettingsView> {
    return this.#serially(async () => {
      if (patch.games_dir !== undefined) {
        const dir = await checkGamesDir(patch.games_dir, this.stateDir);
        if (dir !== this.host.gamesDir) await this.host.setGamesDir(dir);
      }
      await this.#save({
        ...this.#current,
        username: patch.username ?? this.#current.username,
        language: patch.language ?? this.#current.language,
        encrypt_transfers: patch.encrypt_transfers ?? this.#current.encrypt_transfers,
        max_active_downloads: patch.max_active_downloads ?? this.#current.max_active_downloads,
      });
      if (patch.max_active_downloads !== undefined) this.onSlotsChanged();
      return this.view();
    });
  }

  /** `set-game-dir`: the same check as the settings' games folder, and remembered the same way. */
  setGameDir(typed: string): Promise<CommandResults['set-game-dir']> {
    return this.#serially(async () => {
      const games = await this.host.setGamesDir(await checkGamesDir(typed, this.stateDir));
      await this.#save(this.#current);
      return { games };
    });
  }

  /** Saves the caps given (null: off); the others stay. Answers every cap as saved. */
  setCaps(patch: Partial<Caps>): Promise<Caps> {
    return this.#serially(async () => {
      await this.#save({
        ...this.#current,
        upload_mib_s:
          patch.upload_mib_s === undefined ? this.#current.upload_mib_s : patch.upload_mib_s,
        download_mib_s:
          patch.download_mib_s === undefined ? this.#current.download_mib_s : patch.download_mib_s,
      });
      return this.caps;
    });
  }

  get caps(): Caps {
    return {
      upload_mib_s: this.#current.upload_mib_s,
      download_mib_s: this.#current.download_mib_s,
    };
  }

  /** Whether a download starting now fetches its chunks over TLS; one under way keeps its path. */
  get encryptTransfers(): boolean {
    return this.#current.encrypt_transfers;
  }

  /** How many downloads fetch at once. */
  get maxActiveDownloads(): number {
    return this.#current.max_active_downloads;
  }

  /** The name and language Play stamps: the command's, else the saved ones. */
  player(given: { username?: string; language?: string }): { username: string; language: string } {
    return {
      username: given.username ?? this.#current.username,
      language: given.language ?? this.#current.language,
    };
  }

  async #save(next: Settings): Promise<void> {
    this.#current = { ...next, games_dir: this.host.gamesDir };
    await writeSettings(this.stateDir, this.#current);
  }

  #serially<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(task);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}
