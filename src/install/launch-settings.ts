/** First-play stamping (S38): writes the player's name and language into an installed game once. */
import { lstat, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { LanspreadError } from '../errors.js';

export interface LaunchSettings {
  username: string;
  language: string;
}

export interface LaunchSettingsResult {
  alreadyApplied: boolean;
  accountNameWritten: boolean;
  languageWritten: boolean;
  personaNameWritten: boolean;
}

export const LAUNCH_SETTINGS_MARKER = 'launch_settings_applied';

type Target = 'account' | 'ini' | 'language';

const TARGET_NAMES = new Map<string, Target>([
  ['account_name.txt', 'account'],
  ['SmartSteamEmu.ini', 'ini'],
  ['language.txt', 'language'],
]);

const PERSONA_KEY = /^\s*PersonaName\s*=/;
/** The UTF-8 byte order mark as the latin1 view of the ini shows it. */
const UTF8_BOM = '\u00ef\u00bb\u00bf';
const SEP = Buffer.from(sep);

function markerPath(gameRoot: string): string {
  return join(gameRoot, LAUNCH_SETTINGS_MARKER);
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

/**
 * Stamps username and language into the first account_name.txt, SmartSteamEmu.ini and
 * language.txt of `<gameRoot>/local/`, then writes the marker; once the marker exists it does
 * nothing, so a player's later edits survive.
 */
export async function applyLaunchSettings(
  gameRoot: string,
  settings: LaunchSettings,
): Promise<LaunchSettingsResult> {
  // A line break would smuggle extra lines into the ini, a NUL would cut the value short.
  const fields = [
    ['username', settings.username],
    ['language', settings.language],
  ] as const;
  for (const [field, value] of fields) {
    if (/[\r\n\0]/.test(value)) {
      throw new LanspreadError('bad-command', `${field} must not contain a line break or NUL`);
    }
  }
  const result: LaunchSettingsResult = {
    alreadyApplied: false,
    accountNameWritten: false,
    languageWritten: false,
    personaNameWritten: false,
  };
  try {
    await lstat(markerPath(gameRoot));
    return { ...result, alreadyApplied: true };
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }

  const local = join(gameRoot, 'local');
  let localIsDir = false;
  try {
    localIsDir = (await lstat(local)).isDirectory();
  } catch (err) {
    if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) throw err;
  }
  if (!localIsDir) {
    throw new LanspreadError('not-installed', `The game is not installed here: no ${local}`);
  }

  // Buffer paths: a file name that is not valid UTF-8 must neither break the walk nor sort wrong.
  const found = new Map<Target, Buffer>();
  await findTargets(Buffer.from(local), found);

  const account = found.get('account');
  if (account) {
    await replaceFile(account, Buffer.from(settings.username, 'utf8'));
    result.accountNameWritten = true;
  }
  const language = found.get('language');
  if (language) {
    await replaceFile(language, Buffer.from(settings.language, 'utf8'));
    result.languageWritten = true;
  }
  const ini = found.get('ini');
  if (ini) {
    const patched = withPersonaName(await readFile(ini), settings.username);
    if (patched) {
      await replaceFile(ini, patched);
      result.personaNameWritten = true;
    }
  }

  // Written even when nothing was found: the contract is "once", not "until it worked".
  await writeFile(markerPath(gameRoot), '');
  return result;
}

/** Forgets that the launch settings were applied, so a fresh install stamps again. */
export async function clearLaunchSettingsMarker(gameRoot: string): Promise<void> {
  try {
    await rm(markerPath(gameRoot));
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
}

/**
 * Depth-first walk in byte-wise sorted name order, files and folders of one folder interleaved;
 * symlinks are never followed, so nothing outside local/ is ever written. Resolves true once
 * every target is found, which stops the walk.
 */
async function findTargets(dir: Buffer, found: Map<Target, Buffer>): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true, encoding: 'buffer' });
  entries.sort((a, b) => Buffer.compare(a.name, b.name));
  for (const entry of entries) {
    const path = Buffer.concat([dir, SEP, entry.name]);
    if (entry.isDirectory()) {
      if (await findTargets(path, found)) return true;
    } else if (entry.isFile()) {
      // latin1 maps bytes one to one, so only the exact ASCII name can equal a target.
      const target = TARGET_NAMES.get(entry.name.toString('latin1'));
      if (target && !found.has(target)) {
        found.set(target, path);
        if (found.size === TARGET_NAMES.size) return true;
      }
    }
  }
  return false;
}

/**
 * The ini with the value of its first PersonaName line replaced, or undefined when it has none.
 * Works on the latin1 view (one char per byte) so every other byte comes back unchanged.
 */
function withPersonaName(ini: Buffer, username: string): Buffer | undefined {
  const text = ini.toString('latin1');
  let start = 0;
  for (;;) {
    const newline = text.indexOf('\n', start);
    const lineEnd = newline === -1 ? text.length : newline;
    // A BOM would hide a PersonaName on the first line from the pattern.
    const keyStart = start === 0 && text.startsWith(UTF8_BOM) ? UTF8_BOM.length : start;
    const match = PERSONA_KEY.exec(text.slice(keyStart, lineEnd).replace(/\r$/, ''));
    if (match) {
      const valueStart = keyStart + match[0].length;
      // The value stops at the first CR or LF, so the line keeps its own ending.
      const cr = text.indexOf('\r', valueStart);
      const valueEnd = cr !== -1 && cr < lineEnd ? cr : lineEnd;
      return Buffer.concat([
        ini.subarray(0, valueStart),
        Buffer.from(username, 'utf8'),
        ini.subarray(valueEnd),
      ]);
    }
    if (newline === -1) return undefined;
    start = newline + 1;
  }
}

/** The new content in the file's own mode; a crash leaves the old or the new, never half. */
async function replaceFile(file: Buffer, data: Buffer): Promise<void> {
  const mode = (await lstat(file)).mode & 0o7777;
  await writeFileAtomic(file, data, { mode });
}
