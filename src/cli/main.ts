#!/usr/bin/env node
/** The `lanspread` command: the only place that reads argv and owns stdin, stdout and exit codes. */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isSingleExecutable } from '../embedded-assets.js';
import { createLogger } from '../logger.js';
import { toWireError } from '../errors.js';
import { softwareVersion } from '../software-version.js';
import { terminalText } from '../terminal-text.js';
import { packGameFolder, writeDemoLibrary } from '../peer/index.js';
import { runJsonlPeer } from './jsonl-harness.js';
import { ArgsError, parsePeerArgs, peerOptionsFrom, type PeerArgs } from './peer-args.js';
import { runCatalogTool } from './catalog-tool.js';
import { runServe } from './serve.js';
import { runVerb } from './run-verb.js';
import { isHumanVerb } from './verb-args.js';

const USAGE = `usage:
  lanspread peer --games DIR --state DIR [--name NAME] [--listen HOST:PORT] [--catalog FILE]
                 [--no-mdns] [--unrar PATH] [--chunk-size BYTES] [--rescan-interval SECONDS]
                 [--peer-timeout SECONDS] [--encrypt-transfers]
                 [--max-upload MIB_S|off] [--max-download MIB_S|off] [--log-level LEVEL]
      one peer driven by JSON lines on stdin/stdout (see docs/peer-jsonl.md)
  lanspread serve [--games DIR] [--state DIR] [--ui HOST:PORT] [--listen HOST:PORT] [--open]
                  [--catalog FILE] [--no-mdns] [--unrar PATH] [--name NAME] [--log-level LEVEL]
                  [--share HOST:PORT | --no-share] [--release-dir DIR]
                  [--max-upload MIB_S|off] [--max-download MIB_S|off]
      one peer with the web UI and API (docs/api.md); defaults: games ~/lanspread/games,
      state ~/.lanspread, UI 127.0.0.1:47630 (loopback only without the token); the
      "Get lanspread" page for guests on 0.0.0.0:47631, handing out the executables found
      beside this one (or in release/, or --release-dir)
  lanspread pack DIR OUT.eti
      writes a stored (uncompressed) RAR5 archive of DIR, for organisers building game roots
  lanspread catalog FILE [set ID [NAME VERSION] [--description TEXT] [--size BYTES]
                    [--genre G] [--max-players N] [--year Y] [--cover IMAGE | --no-cover]
                    | add GAME_ROOT | remove ID]
      lists, or adds/replaces/removes a game of a catalog database (the file is made if missing);
      add vouches for a complete game root: its id, version, size and files' digest; set ID
      alone changes a game's metadata; --cover takes a PNG, JPEG or WebP of at most 2 MiB
  lanspread demo [--dir DIR]
      writes a demo games folder (default .lanspread-demo) and serves it with the web UI
      (any serve option passes through, e.g. --open)
  lanspread games | peers [--state DIR] [--json]
      lists the games (size, installed / downloaded / on N peers) or the connected peers
  lanspread download ID [--no-install] | install ID | update ID | stream-install ID
      [--state DIR] [--json]
      changes a game and shows its progress; Ctrl-C cancels
  lanspread uninstall ID | cancel ID | play ID | server ID [--name NAME] [--language LANG]
      [--state DIR] [--json]
  lanspread pause ID | resume ID | move ID POSITION [--state DIR] [--json]
      the download queue: at most max_active_downloads run (Settings, default 2), further
      downloads wait in order; pause keeps what was fetched, cancel removes a waiting one
      play stamps the name and language once and starts the game (game_start.cmd / .sh in
      local/, game_setup once before); server starts server_start.cmd / .sh in its own window
  lanspread limits [--upload MIB_S|off] [--download MIB_S|off] [--playing on|off]
      [--state DIR] [--json]
      shows the bandwidth caps, or sets them (saved); playing mode holds uploads to a low cap
      these verbs are clients of a running \`lanspread serve\` (found through STATE/serve.json,
      --state default ~/.lanspread); exit 0 done, 1 failed, 2 usage, 3 no running peer
  lanspread --version`;

async function main(argv: string[]): Promise<number> {
  // An executable started with no arguments was double-clicked: the guest wants the library.
  if (argv.length === 0 && isSingleExecutable) return runDoubleClicked();
  const [verb, ...rest] = argv;
  if (verb === '--version') {
    process.stdout.write(`${softwareVersion()}\n`);
    return 0;
  }
  if (verb === undefined || verb === '--help' || verb === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return verb === undefined ? 2 : 0;
  }
  if (verb === 'demo') return runDemo(rest);
  if (verb === 'pack') return runPack(rest);
  if (verb === 'catalog') return runCatalogTool(rest, process, USAGE);
  if (verb === 'serve') return runServe(rest, USAGE);
  if (isHumanVerb(verb)) return runVerb(verb, rest, processVerbIo());
  if (verb !== 'peer') {
    process.stderr.write(`lanspread: unknown command ${JSON.stringify(verb)}\n${USAGE}\n`);
    return 2;
  }
  let args;
  try {
    args = parsePeerArgs(rest);
  } catch (err) {
    if (!(err instanceof ArgsError)) throw err;
    process.stderr.write(`lanspread peer: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  return runPeer(args);
}

/**
 * `serve --open` in the console window a double-click opened. When it cannot start, the window
 * would vanish with the reason, so it waits for Enter first.
 */
async function runDoubleClicked(): Promise<number> {
  process.stdout.write(
    `lanspread ${softwareVersion()}: starting; your browser opens on the library.\n`,
  );
  // Warnings only: the window is for the guest, not for the peer's JSON log.
  const code = await runServe(['--open', '--log-level', 'warn'], USAGE);
  if (code !== 0 && process.stdin.isTTY) {
    process.stdout.write('Press Enter to close this window.\n');
    await new Promise((resolve) => process.stdin.once('data', resolve));
  }
  return code;
}

/** The human verbs print to the terminal and hear Ctrl-C through the process itself. */
function processVerbIo(): Parameters<typeof runVerb>[2] {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    onInterrupt: (listener) => {
      process.on('SIGINT', listener);
      return () => process.off('SIGINT', listener);
    },
  };
}

/** `lanspread pack DIR OUT.eti`: streams DIR into a stored RAR5 archive. */
async function runPack(argv: string[]): Promise<number> {
  const [dir, out, ...extra] = argv;
  if (dir === undefined || out === undefined || extra.length > 0) {
    process.stderr.write(`lanspread pack: expects DIR and OUT.eti\n${USAGE}\n`);
    return 2;
  }
  const abort = new AbortController();
  process.once('SIGINT', () => {
    abort.abort();
  });
  try {
    const started = Date.now();
    const { entries, bytes } = await packGameFolder(dir, out, { signal: abort.signal });
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `packed ${entries} entries of ${dir} into ${out}: ${(bytes / 1048576).toFixed(1)} MiB in ${seconds.toFixed(1)} s\n`,
    );
    return 0;
  } catch (err) {
    const { code, message } = toWireError(err);
    // The message may name a file of the folder, and a Linux file name may hold an ESC.
    process.stderr.write(`lanspread pack: ${code}: ${terminalText(message)}\n`);
    return 1;
  }
}

/**
 * `lanspread demo`: `serve` on the embedded catalog and a generated demo games folder, so a
 * first look needs no games of one's own; other `serve` options pass through.
 */
async function runDemo(argv: string[]): Promise<number> {
  const { values, tokens } = parseArgs({
    args: argv,
    options: { dir: { type: 'string', default: '.lanspread-demo' } },
    strict: false,
    tokens: true,
  });
  const dir = typeof values.dir === 'string' ? values.dir : '.lanspread-demo';
  const games = join(dir, 'games');
  await mkdir(games, { recursive: true });
  const written = await writeDemoLibrary(games);
  process.stderr.write(
    `lanspread demo: games folder ${resolve(games)}${written.length > 0 ? ` (wrote ${written.join(', ')})` : ''}\n`,
  );
  const passed = tokens
    .filter((t) => !(t.kind === 'option' && t.name === 'dir'))
    .flatMap((t) =>
      t.kind === 'option'
        ? [t.rawName, ...(t.value === undefined || t.inlineValue ? [] : [t.value])]
        : t.kind === 'positional'
          ? [t.value]
          : [],
    );
  // Quiet by default: a first look wants the UI line, not the peer's JSON log.
  return runServe(
    ['--games', games, '--state', join(dir, 'state'), '--log-level', 'warn', ...passed],
    USAGE,
  );
}

async function runPeer(args: PeerArgs): Promise<number> {
  const log = createLogger(args.logLevel);
  // Whoever read our stdout is gone (a closed pipe): nobody can drive this peer any more.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    log.warn({ code: err.code }, 'stdout closed; stopping');
    process.exit(err.code === 'EPIPE' ? 0 : 1);
  });
  try {
    return await runJsonlPeer(peerOptionsFrom(args, log), {
      input: process.stdin,
      write: (line) => process.stdout.write(line),
      version: softwareVersion(),
      log,
    });
  } catch (err) {
    const { code, message } = toWireError(err);
    process.stderr.write(`lanspread peer: cannot start (${code}): ${message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Exit explicitly: a paused stdin or a lingering socket must not keep a finished peer alive.
    process.stdout.write('', () => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(
      `lanspread: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
