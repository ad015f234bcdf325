/** The launch scripts a game ships in `local/`, and the exact process that runs one (Play, S63). */
import { stat, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cmdScriptLine, cmdWindowArguments } from './cmd-line.js';

/** `setup` runs once before the first start, `start` on every Play, `server` on request. */
export type LaunchRole = 'setup' | 'start' | 'server';

/** Written into the game root once the setup script ran; an install clears it, so setup runs again. */
export const SETUP_MARKER = 'setup_done';

const SCRIPT_BASES: Record<LaunchRole, string> = {
  setup: 'game_setup',
  start: 'game_start',
  server: 'server_start',
};

/** The language names the settings hold, as the two letters the ETI scripts take. */
const LANGUAGE_CODES = new Map([
  ['english', 'en'],
  ['german', 'de'],
  ['deutsch', 'de'],
  ['french', 'fr'],
  ['spanish', 'es'],
  ['italian', 'it'],
  ['polish', 'pl'],
  ['russian', 'ru'],
]);

export interface LaunchRequest {
  role: LaunchRole;
  /** The absolute path of the game's `local/` folder: the install path the scripts get. */
  local: string;
  game: string;
  language: string;
  username: string;
  platform: NodeJS.Platform;
}

/** What to spawn: a program, its arguments, and whether they are one verbatim cmd.exe line. */
export interface LaunchPlan {
  script: string;
  file: string;
  args: string[];
  windowsVerbatimArguments: boolean;
  cwd: string;
}

/** `game_start.cmd` on Windows, `game_start.sh` elsewhere. */
export function scriptName(role: LaunchRole, platform: NodeJS.Platform): string {
  return `${SCRIPT_BASES[role]}${platform === 'win32' ? '.cmd' : '.sh'}`;
}

/** The script's path in `local/`, or null when the game ships none for this system. */
export async function findLaunchScript(
  local: string,
  role: LaunchRole,
  platform: NodeJS.Platform,
): Promise<string | null> {
  const path = join(local, scriptName(role, platform));
  try {
    return (await stat(path)).isFile() ? path : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * english → en, german/deutsch → de, a few more names by table, a two-letter code as it is;
 * anything else its first two letters, and `en` when it has fewer than two.
 */
export function launchLanguage(language: string): string {
  const name = language.trim().toLowerCase();
  const known = LANGUAGE_CODES.get(name);
  if (known !== undefined) return known;
  const letters = name.replace(/[^a-z]/g, '');
  return letters.length >= 2 ? letters.slice(0, 2) : 'en';
}

/**
 * The process for one script, with the arguments of the original launcher in its order: install
 * path, game id, language code, player name. Elsewhere than Windows `sh` gets them as argv, so no
 * shell ever parses a name; on Windows they become a checked cmd.exe line (`cmd-line.ts`).
 */
export function planLaunch(script: string, req: LaunchRequest): LaunchPlan {
  const language = launchLanguage(req.language);
  if (req.platform !== 'win32') {
    return {
      script,
      file: 'sh',
      args: [script, req.local, req.game, language, req.username],
      windowsVerbatimArguments: false,
      cwd: req.local,
    };
  }
  const line = cmdScriptLine(script, [
    { quoted: req.local },
    { bare: req.game },
    { bare: language },
    { quoted: req.username },
  ]);
  return {
    script,
    file: 'cmd.exe',
    args: [cmdWindowArguments(line, req.role === 'server')],
    windowsVerbatimArguments: true,
    cwd: req.local,
  };
}

export async function hasSetupRun(gameRoot: string): Promise<boolean> {
  try {
    await stat(join(gameRoot, SETUP_MARKER));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export async function markSetupDone(gameRoot: string): Promise<void> {
  await writeFile(join(gameRoot, SETUP_MARKER), '');
}

/** Forgets that setup ran, so the next Play of fresh files runs it again. */
export async function clearSetupMarker(gameRoot: string): Promise<void> {
  await rm(join(gameRoot, SETUP_MARKER), { force: true });
}
