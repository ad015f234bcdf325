/** Parses `lanspread serve` arguments: `--ui` and `--open`, the rest as for `lanspread peer`. */
import { homedir } from 'node:os';
import path from 'node:path';
import { ArgsError, parsePeerArgs, type PeerArgs } from './peer-args.js';

export interface ServeArgs {
  peer: PeerArgs;
  /** `--games` was given; otherwise the folder saved in the settings wins over the default. */
  gamesGiven: boolean;
  uiHost: string;
  uiPort: number;
  /** `--ui` was given: its port is taken as asked, never replaced by a free one. */
  uiGiven: boolean;
  open: boolean;
}

export const DEFAULT_UI_PORT = 47630;

/** Where the default folders are: the platform and the variables and home it has. */
export interface FolderHome {
  readonly platform: NodeJS.Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string;
}

function thisMachine(): FolderHome {
  return { platform: process.platform, env: process.env, home: homedir() };
}

/**
 * Where `serve` keeps its identity, settings and serve.json, and where the CLI verbs look:
 * `~/.lanspread`, on Windows `%LOCALAPPDATA%\lanspread` (machine-local, not roamed).
 */
export function defaultStateDir(at: FolderHome = thisMachine()): string {
  if (at.platform === 'win32') {
    const local = at.env.LOCALAPPDATA;
    return local !== undefined && local !== ''
      ? path.win32.join(local, 'lanspread')
      : path.win32.join(at.home, 'AppData', 'Local', 'lanspread');
  }
  return path.posix.join(at.home, '.lanspread');
}

/** `~/lanspread/games`; on Windows `%USERPROFILE%\lanspread\games`. */
export function defaultGamesDir(at: FolderHome = thisMachine()): string {
  if (at.platform === 'win32') {
    const profile = at.env.USERPROFILE;
    const home = profile !== undefined && profile !== '' ? profile : at.home;
    return path.win32.join(home, 'lanspread', 'games');
  }
  return path.posix.join(at.home, 'lanspread', 'games');
}

export function parseServeArgs(argv: readonly string[]): ServeArgs {
  const rest: string[] = [];
  let ui: string | undefined;
  let open = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--open') open = true;
    else if (arg === '--ui') {
      ui = argv[++i];
      if (ui === undefined) throw new ArgsError('--ui needs HOST:PORT');
    } else if (arg.startsWith('--ui=')) ui = arg.slice('--ui='.length);
    else rest.push(arg);
  }
  const given = (flag: string): boolean =>
    rest.some((arg) => arg === flag || arg.startsWith(`${flag}=`));
  const gamesGiven = given('--games');
  if (!gamesGiven) rest.push('--games', defaultGamesDir());
  if (!given('--state')) rest.push('--state', defaultStateDir());
  const peer = parsePeerArgs(rest);
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(
    ui ?? `127.0.0.1:${DEFAULT_UI_PORT}`,
  );
  const uiHost = match?.[1] ?? match?.[2];
  const uiPort = Number(match?.[3]);
  if (uiHost === undefined || !(uiPort >= 0 && uiPort <= 65535)) {
    throw new ArgsError(`--ui must be HOST:PORT, got ${JSON.stringify(ui)}`);
  }
  return { peer, gamesGiven, uiHost, uiPort, uiGiven: ui !== undefined, open };
}
