/** Parses `lanspread serve` arguments: `--ui`, `--open` and the share port, the rest as for `lanspread peer`. */
import { homedir } from 'node:os';
import path from 'node:path';
import { ArgsError, parsePeerArgs, type PeerArgs } from './peer-args.js';
import { readHostPort, type HostPort } from '../host-port.js';

export interface ServeArgs {
  peer: PeerArgs;
  /** `--games` was given; otherwise the folder saved in the settings wins over the default. */
  gamesGiven: boolean;
  uiHost: string;
  uiPort: number;
  /** `--ui` was given: its port is taken as asked, never replaced by a free one. */
  uiGiven: boolean;
  open: boolean;
  /** Where the "Get lanspread" page listens; null with `--no-share`. */
  share: { host: string; port: number } | null;
  /** `--release-dir`: the executables to hand out; by default found beside this one. */
  releaseDir: string | undefined;
}

export const DEFAULT_UI_PORT = 47630;
export const DEFAULT_SHARE_PORT = 47631;

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

/** The options of serve itself, with a value (`--ui X` or `--ui=X`); the rest go to the peer. */
const VALUE_FLAGS = ['--ui', '--share', '--release-dir'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

export function parseServeArgs(argv: readonly string[]): ServeArgs {
  const rest: string[] = [];
  const values = new Map<ValueFlag, string>();
  let open = false;
  let noShare = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const flag = VALUE_FLAGS.find((name) => arg === name || arg.startsWith(`${name}=`));
    if (arg === '--open') open = true;
    else if (arg === '--no-share') noShare = true;
    else if (flag === undefined) rest.push(arg);
    else {
      const value = arg === flag ? argv[++i] : arg.slice(flag.length + 1);
      if (value === undefined || value === '') throw new ArgsError(`${flag} needs a value`);
      values.set(flag, value);
    }
  }
  const given = (flag: string): boolean =>
    rest.some((arg) => arg === flag || arg.startsWith(`${flag}=`));
  const gamesGiven = given('--games');
  if (!gamesGiven) rest.push('--games', defaultGamesDir());
  if (!given('--state')) rest.push('--state', defaultStateDir());
  const peer = parsePeerArgs(rest);
  const ui = hostPort('--ui', values.get('--ui') ?? `127.0.0.1:${DEFAULT_UI_PORT}`);
  const shareValue = values.get('--share');
  if (noShare && shareValue !== undefined) {
    throw new ArgsError('--share and --no-share contradict each other');
  }
  return {
    peer,
    gamesGiven,
    uiHost: ui.host,
    uiPort: ui.port,
    uiGiven: values.has('--ui'),
    open,
    share: noShare ? null : hostPort('--share', shareValue ?? `0.0.0.0:${DEFAULT_SHARE_PORT}`),
    releaseDir: values.get('--release-dir'),
  };
}

/** `HOST:PORT` or `[V6]:PORT`; port 0 asks for a free one. */
function hostPort(flag: string, value: string): HostPort {
  const parsed = readHostPort(value);
  if (parsed === null)
    throw new ArgsError(`${flag} must be HOST:PORT, got ${JSON.stringify(value)}`);
  return parsed;
}
