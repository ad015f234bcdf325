/** Play and Start server: first-play stamping, the setup script once, then the start or server script, tracked while it runs (S63). */
import { join } from 'node:path';
import { LanspreadError } from '../errors.js';
import type { GameId } from '../ids.js';
import {
  applyLaunchSettings,
  findLaunchScript,
  hasSetupRun,
  markSetupDone,
  planLaunch,
  scriptName,
  spawnLaunch,
  type LaunchExit,
  type LaunchPlan,
  type LaunchRequest,
  type LaunchRole,
  type LaunchedProcess,
} from '../install/index.js';
import type { Logger } from '../logger.js';
import type { LaunchKind, PeerEvent, PlayResult } from './contract.js';

export interface LaunchTarget {
  game: GameId;
  /** The game root `<games>/<id>`; the scripts live in its `local/`. */
  root: string;
  username: string;
  language: string;
}

const ROLE_OF: Record<LaunchKind, LaunchRole> = { setup: 'setup', game: 'start', server: 'server' };

export class GameLauncher {
  /** The processes we started per game, by kind; a kind is claimed (pid null) before it spawns. */
  readonly #running = new Map<GameId, Map<LaunchKind, number | null>>();
  readonly #platform: NodeJS.Platform;
  readonly #emit: (event: PeerEvent) => void;
  readonly #log: Logger;

  constructor(platform: NodeJS.Platform, emit: (event: PeerEvent) => void, log: Logger) {
    this.#platform = platform;
    this.#emit = emit;
    this.#log = log;
  }

  /** The game itself (or its setup) runs: what the rows call `running`. */
  isRunning(game: GameId): boolean {
    const kinds = this.#running.get(game);
    return kinds !== undefined && (kinds.has('game') || kinds.has('setup'));
  }

  /** The games whose Play runs now (the game or its setup): playing mode is on while any does. */
  playingGames(): GameId[] {
    return [...this.#running.keys()].filter((game) => this.isRunning(game));
  }

  isServerRunning(game: GameId): boolean {
    return this.#running.get(game)?.has('server') === true;
  }

  /** Both flags of a game's row. */
  launched(game: GameId): { running: boolean; serverRunning: boolean } {
    return { running: this.isRunning(game), serverRunning: this.isServerRunning(game) };
  }

  /** Files a running game holds open cannot be replaced or removed (on Windows not at all). */
  refuseWhileRunning(game: GameId, what: string): void {
    const kinds = this.#running.get(game);
    if (kinds === undefined) return;
    throw new LanspreadError(
      'game-running',
      `cannot ${what} ${game} while its ${[...kinds.keys()].join(' and ')} runs; close it first`,
    );
  }

  /**
   * Stamps the launch settings (S38), runs the setup script the first time, and starts the start
   * script without waiting for it. A game that ships no start script for this system is stamped
   * and answers `launched: false` with a `no-launcher` note, so the stamping is never lost.
   */
  async play(target: LaunchTarget): Promise<PlayResult> {
    this.#claim(target.game, 'game');
    try {
      const local = join(target.root, 'local');
      const start = await findLaunchScript(local, 'start', this.#platform);
      // Built before anything is written: a name cmd.exe cannot pass is refused up front.
      const plan = start === null ? null : planLaunch(start, this.#request(target, 'game'));
      const applied = await applyLaunchSettings(target.root, target);
      const stamped = {
        already_applied: applied.alreadyApplied,
        account_name_written: applied.accountNameWritten,
        language_written: applied.languageWritten,
        persona_name_written: applied.personaNameWritten,
      };
      if (plan === null) {
        this.#release(target.game, 'game');
        return {
          ...stamped,
          launched: false,
          launcher: null,
          pid: null,
          setup_exit_code: null,
          launch_error: {
            code: 'no-launcher',
            message: await this.#noLauncher(target.game, local),
          },
        };
      }
      const setupExitCode = await this.#setupOnce(target);
      const pid = await this.#spawnTracked(target.game, 'game', plan);
      return {
        ...stamped,
        launched: true,
        launcher: scriptName('start', this.#platform),
        pid,
        setup_exit_code: setupExitCode,
        launch_error: null,
      };
    } catch (err) {
      this.#release(target.game, 'game');
      throw err;
    }
  }

  /** Runs the server script in a window of its own; `no-launcher` when the game ships none. */
  async startServer(target: LaunchTarget): Promise<{ launcher: string; pid: number }> {
    this.#claim(target.game, 'server');
    try {
      const local = join(target.root, 'local');
      const script = await findLaunchScript(local, 'server', this.#platform);
      if (script === null) {
        const name = scriptName('server', this.#platform);
        throw new LanspreadError(
          'no-launcher',
          `${target.game} has no server launcher for this system: no ${name} in ${local}`,
        );
      }
      const plan = planLaunch(script, this.#request(target, 'server'));
      await this.#setupOnce(target);
      const pid = await this.#spawnTracked(target.game, 'server', plan);
      return { launcher: scriptName('server', this.#platform), pid };
    } catch (err) {
      this.#release(target.game, 'server');
      throw err;
    }
  }

  /** The setup script, awaited, when it exists and has not run since the install. */
  async #setupOnce(target: LaunchTarget): Promise<number | null> {
    if (await hasSetupRun(target.root)) return null;
    const script = await findLaunchScript(join(target.root, 'local'), 'setup', this.#platform);
    if (script === null) return null;
    const plan = planLaunch(script, this.#request(target, 'setup'));
    this.#claim(target.game, 'setup');
    let exit: LaunchExit;
    try {
      exit = await (await this.#spawn(target.game, 'setup', plan)).exited;
    } finally {
      this.#release(target.game, 'setup');
    }
    this.#emit({ event: 'game-exited', game: target.game, kind: 'setup', ...exit });
    // Setup scripts often end with a harmless failing step; it still ran, so it is not run again.
    if (exit.code !== 0)
      this.#log.warn({ game: target.game, ...exit }, 'the setup script ended with an error');
    await markSetupDone(target.root);
    return exit.code;
  }

  async #spawnTracked(game: GameId, kind: LaunchKind, plan: LaunchPlan): Promise<number> {
    const launched = await this.#spawn(game, kind, plan);
    void launched.exited.then((exit) => {
      this.#release(game, kind);
      this.#log.info({ game, kind, ...exit }, 'launched process ended');
      this.#emit({ event: 'game-exited', game, kind, ...exit });
    });
    return launched.pid;
  }

  async #spawn(game: GameId, kind: LaunchKind, plan: LaunchPlan): Promise<LaunchedProcess> {
    const launched = await spawnLaunch(plan);
    this.#running.get(game)?.set(kind, launched.pid);
    this.#log.info({ game, kind, pid: launched.pid, script: plan.script }, 'launched');
    this.#emit({ event: 'game-started', game, kind, pid: launched.pid });
    return launched;
  }

  #request(target: LaunchTarget, kind: LaunchKind): LaunchRequest {
    return {
      role: ROLE_OF[kind],
      local: join(target.root, 'local'),
      game: target.game,
      language: target.language,
      username: target.username,
      platform: this.#platform,
    };
  }

  /** Refuses a second start of the same kind, and any start while the setup runs. */
  #claim(game: GameId, kind: LaunchKind): void {
    const kinds = this.#running.get(game) ?? new Map<LaunchKind, number | null>();
    const busy = kinds.has('setup') ? 'setup' : kinds.has(kind) ? kind : null;
    if (busy !== null) {
      throw new LanspreadError('already-running', `the ${busy} of ${game} is already running`);
    }
    kinds.set(kind, null);
    this.#running.set(game, kinds);
  }

  #release(game: GameId, kind: LaunchKind): void {
    const kinds = this.#running.get(game);
    kinds?.delete(kind);
    if (kinds?.size === 0) this.#running.delete(game);
  }

  /** Names the file looked for, and the other system's launcher when the game ships only that. */
  async #noLauncher(game: GameId, local: string): Promise<string> {
    const wanted = scriptName('start', this.#platform);
    const otherPlatform = this.#platform === 'win32' ? 'linux' : 'win32';
    const other = await findLaunchScript(local, 'start', otherPlatform);
    const only =
      other === null
        ? ''
        : ` (it ships only ${scriptName('start', otherPlatform)}, for ${otherPlatform === 'win32' ? 'Windows' : 'Linux and macOS'})`;
    return `${game} has no launcher for this system: no ${wanted} in ${local}${only}`;
  }
}
