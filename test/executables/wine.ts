/** Runs the Windows executable under Wine: a prefix of its own, paths as Windows sees them. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export const WIN_EXE = new URL('../../release/lanspread-win-x64.exe', import.meta.url).pathname;

/** Wine's view of a Linux path: drive Z: is the root. */
export function winPath(linuxPath: string): string {
  return `Z:${linuxPath.replaceAll('/', '\\')}`;
}

export function wineEnv(prefix: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WINEPREFIX: prefix,
    WINEDEBUG: '-all',
    WINEDLLOVERRIDES: 'mscoree,mshtml=',
  };
}

/**
 * Makes the prefix and says it is Windows 10: Node refuses to start on what Wine reports by
 * default (Windows 7). Fails with the install hint when Wine is missing.
 */
export function prepareWinePrefix(prefix: string): void {
  try {
    execFileSync('wine', ['--version'], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(
      `wine is needed for the Windows executable (.ci/run installs Debian's wine): ${String(err)}`,
    );
  }
  execFileSync(
    'wine',
    ['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/d', 'win10', '/f'],
    {
      env: wineEnv(prefix),
      stdio: 'pipe',
      timeout: 120_000,
    },
  );
}

/** Starts the executable; its stdout and stderr go to files (Wine's console into a pipe fails with EBADF). */
export function startUnderWine(
  prefix: string,
  args: readonly string[],
  stdoutFile: string,
  stderrFile: string,
): ChildProcess {
  const out = openSync(stdoutFile, 'w');
  const err = openSync(stderrFile, 'w');
  try {
    return spawn('wine', [WIN_EXE, ...args], { env: wineEnv(prefix), stdio: ['ignore', out, err] });
  } finally {
    // The child holds its own copies.
    closeSync(out);
    closeSync(err);
  }
}

/** Ends every process of the prefix, the executable's children included. */
export function stopWine(prefix: string): void {
  try {
    execFileSync('wineserver', ['-k'], { env: wineEnv(prefix), stdio: 'pipe', timeout: 30_000 });
  } catch {
    // No wineserver left to kill.
  }
}
