/** `lanspread serve`: one peer plus the web API and UI and the share page, until SIGINT, SIGTERM or SIGHUP. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { errorMessage, toWireError } from '../errors.js';
import { LogRing, createLogger, type Logger } from '../logger.js';
import { Peer, readSettings, type ShareInfo } from '../peer/index.js';
import {
  defaultReleaseDir,
  startShareServer,
  startWebServer,
  type ShareServer,
} from '../web/index.js';
import { ArgsError, peerOptionsFrom } from './peer-args.js';
import { defaultGamesDir, parseServeArgs } from './serve-args.js';

/** Resolves to the exit code: 0 after a clean stop, 1 when it cannot start, 2 for bad arguments. */
export async function runServe(argv: readonly string[], usage: string): Promise<number> {
  let args;
  try {
    args = parseServeArgs(argv);
  } catch (err) {
    if (!(err instanceof ArgsError)) throw err;
    process.stderr.write(`lanspread serve: ${err.message}\n${usage}\n`);
    return 2;
  }
  const ring = new LogRing();
  const log = createLogger(args.peer.logLevel, ring);
  // Nobody has to read the UI line; a closed stdout must not stop the peer.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    log.warn({ code: err.code }, 'stdout closed');
  });
  const state = args.peer.state;
  const serveFile = join(state, 'serve.json');
  const running = await runningServe(serveFile);
  if (running !== null && args.open) {
    // A second double-click: the library is already up, show it instead of failing.
    process.stdout.write(`lanspread is already running: ${running.url}\n`);
    openBrowser(running.url, running.token, log);
    return 0;
  }
  if (running !== null) {
    process.stderr.write(
      `lanspread serve: already running on ${state} (pid ${running.pid}) at ${running.url}; ` +
        `if it is not, delete ${serveFile}\n`,
    );
    return 1;
  }
  let peer: Peer;
  try {
    await mkdir(state, { recursive: true });
    const settings = await readSettings(state, log);
    const games = args.gamesGiven ? args.peer.games : (settings.games_dir ?? defaultGamesDir());
    peer = await Peer.start(peerOptionsFrom({ ...args.peer, games }, log));
  } catch (err) {
    return cannotStart(err);
  }
  let web;
  let share: ShareServer | undefined;
  let onShutdownCommand: () => void = () => undefined;
  const stopRequested = new Promise<string>((resolve) => {
    process.once('SIGINT', () => {
      resolve('SIGINT');
    });
    process.once('SIGTERM', () => {
      resolve('SIGTERM');
    });
    // The console window was closed (Windows gives ~10 s) or the terminal hung up: say goodbye.
    process.once('SIGHUP', () => {
      resolve('SIGHUP');
    });
    // The shutdown command stopped the peer; the server follows.
    onShutdownCommand = () => {
      resolve('shutdown command');
    };
  });
  try {
    // The folder in use is remembered, so the next start without --games finds it again.
    await peer.execute({ cmd: 'set-settings', games_dir: peer.gamesDir });
    const token = await loadOrCreateToken(state);
    if (args.share !== null) {
      share = await startShareServer({
        ...args.share,
        releaseDir: args.releaseDir ?? defaultReleaseDir(),
        log,
      });
    }
    web = await startWebServer({
      peer,
      host: args.uiHost,
      port: args.uiPort,
      anyPortIfTaken: !args.uiGiven,
      token,
      log,
      logRing: ring,
      share,
      onShutdown: () => {
        onShutdownCommand();
      },
    });
    await writePrivate(serveFile, `${JSON.stringify({ url: web.url, token, pid: process.pid })}\n`);
    process.stdout.write(`lanspread UI: ${web.url}\n`);
    process.stderr.write('Ctrl+C stops lanspread (closing this window does too).\n');
    if (web.tokenRequired) {
      process.stderr.write(`lanspread serve: the UI needs its token: ${web.url}?token=${token}\n`);
    }
    if (share !== undefined) sayShareUrls(await share.info());
    if (args.open) openBrowser(web.url, token, log);
  } catch (err) {
    await web?.close();
    await share?.close();
    await peer.shutdown();
    return cannotStart(err);
  }
  const reason = await stopRequested;
  log.info({ reason }, 'stopping');
  await web.close();
  await share?.close();
  await peer.shutdown();
  await rm(serveFile, { force: true });
  return 0;
}

/**
 * The serve.json of a running serve: two peers on one identity and games folder would collide.
 * A live pid alone is not proof (after a reboot another program may have it): the recorded UI
 * must also answer `/api/status`.
 */
async function runningServe(
  file: string,
): Promise<{ pid: number; url: string; token: string } | null> {
  let saved: unknown;
  try {
    saved = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return null;
  }
  if (typeof saved !== 'object' || saved === null || !('pid' in saved)) return null;
  const pid = saved.pid;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  const url = 'url' in saved && typeof saved.url === 'string' ? saved.url : undefined;
  const token = 'token' in saved && typeof saved.token === 'string' ? saved.token : '';
  if (url === undefined || !(await answersAsServe(url, token))) return null;
  return { pid, url, token };
}

const STATUS_PROBE_MS = 2_000;

async function answersAsServe(url: string, token: string): Promise<boolean> {
  try {
    const res = await fetch(new URL('api/status', url), {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(STATUS_PROBE_MS),
    });
    const body: unknown = await res.json();
    return res.ok && typeof body === 'object' && body !== null && 'result' in body;
  } catch {
    return false;
  }
}

function cannotStart(err: unknown): number {
  const { code, message } = toWireError(err);
  process.stderr.write(`lanspread serve: cannot start (${code}): ${message}\n`);
  return 1;
}

/** STATE/ui-token: made once (32 random bytes, hex, 0600) and said once on stderr. */
async function loadOrCreateToken(state: string): Promise<string> {
  const file = join(state, 'ui-token');
  try {
    const saved = (await readFile(file, 'utf8')).trim();
    if (/^[0-9a-f]{64}$/.test(saved)) return saved;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = randomBytes(32).toString('hex');
  await writePrivate(file, `${token}\n`);
  process.stderr.write(`lanspread serve: new UI token ${token} (kept in ${file})\n`);
  return token;
}

async function writePrivate(file: string, text: string): Promise<void> {
  await writeFileAtomic(file, text, { mode: 0o600 });
}

/** The addresses to put on the wall, or why there are none. */
function sayShareUrls(info: ShareInfo): void {
  const where =
    info.error ?? `guests get lanspread at ${info.urls.join(' ') || 'no LAN address yet'}`;
  process.stderr.write(`lanspread serve: ${where}\n`);
}

/** The system's opener, detached; when it fails the URL is in the log and on stdout anyway. */
function openBrowser(url: string, token: string, log: Logger): void {
  const withToken = `${url}?token=${token}`;
  const [command, args] =
    process.platform === 'win32'
      ? ['cmd', ['/c', 'start', '""', withToken]]
      : [process.platform === 'darwin' ? 'open' : 'xdg-open', [withToken]];
  try {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.on('error', (err) => {
      log.warn({ command, err: err.message }, 'cannot open a browser');
    });
    child.unref();
  } catch (err) {
    log.warn({ command, err: errorMessage(err) }, 'cannot open a browser');
  }
}
