/**
 * The one error class of lanspread and the registry of its stable codes: each code's meaning and
 * the HTTP status the web API answers it with. docs/errors.md and docs/api.md list the same
 * (test/unit/errors.test.ts keeps them in step).
 */

/** Each code: its HTTP status (422 for a command failure without a more specific one) and meaning. */
export const ERRORS = {
  'bad-command': {
    status: 400,
    meaning:
      'A JSONL command line could not be parsed, or names an unknown command or bad arguments.',
  },
  'bad-arguments': {
    status: 422,
    meaning: 'The command line of the program is wrong (exit code 2).',
  },
  'unknown-game': { status: 404, meaning: 'The game id is not in the local catalog.' },
  'no-peers-have-game': {
    status: 422,
    meaning: 'No connected peer has the game Ready at the catalog version.',
  },
  'operation-in-progress': {
    status: 409,
    meaning: 'Another operation is already running on this game.',
  },
  'self-connect': { status: 422, meaning: 'The address leads back to this very peer.' },
  'connect-failed': {
    status: 422,
    meaning: 'The remote address could not be reached or did not complete the handshake.',
  },
  'listen-failed': {
    status: 422,
    meaning:
      'The peer cannot accept connections on the address and port it was given (in use or not allowed).',
  },
  'handshake-failed': {
    status: 422,
    meaning: 'The remote side is not a lanspread peer, or proved a different identity.',
  },
  'protocol-error': {
    status: 422,
    meaning: 'A peer sent a malformed, oversized or unexpected frame.',
  },
  'peer-over-budget': {
    status: 422,
    meaning:
      'A peer refused or dropped a control connection: it holds as many peer sessions as it allows (256), or the connection was buffering a frame past the bytes all connections may buffer together; try again later.',
  },
  timeout: { status: 422, meaning: 'The operation did not finish in the time it was given.' },
  'not-downloaded': { status: 409, meaning: 'The game has no complete root (version.ini) here.' },
  'already-installed': { status: 409, meaning: 'The game is already installed.' },
  'already-up-to-date': {
    status: 409,
    meaning: 'The game is already at the catalog version here: nothing to update.',
  },
  'not-installed': { status: 404, meaning: 'The game is not installed here (no local/ folder).' },
  'download-failed': { status: 422, meaning: 'The download could not be completed.' },
  'not-implemented': { status: 422, meaning: 'This command arrives with a later capability.' },
  'catalog-missing': {
    status: 422,
    meaning: 'The catalog file does not exist or cannot be opened.',
  },
  'catalog-malformed': {
    status: 422,
    meaning: 'The catalog file is not a lanspread catalog database.',
  },
  'cover-invalid': {
    status: 422,
    meaning: 'The cover image is not a PNG, JPEG or WebP file, or is over 2 MiB.',
  },
  'no-cover': { status: 404, meaning: 'The catalog has no cover image for this game.' },
  'state-dir-unusable': { status: 422, meaning: 'The state folder cannot be created or written.' },
  'games-dir-unusable': { status: 422, meaning: 'The games folder cannot be created or read.' },
  'identity-corrupt': {
    status: 422,
    meaning: 'The key or certificate in the state folder cannot be read.',
  },
  'shutting-down': { status: 409, meaning: 'The peer is shutting down.' },
  cancelled: {
    status: 422,
    meaning:
      'The operation was cancelled (cancel-download); what was verified is kept for a resume.',
  },
  'archive-unreadable': { status: 422, meaning: 'An archive could not be read or written.' },
  'archive-unsupported': {
    status: 422,
    meaning:
      'The file is not an archive lanspread can read: not RAR, RAR 1.4, or RAR 7 features such as a dictionary over 4 GiB.',
  },
  'archive-encrypted': {
    status: 422,
    meaning: 'The archive or an entry in it is encrypted (made with a password).',
  },
  'archive-truncated': {
    status: 422,
    meaning: 'The archive ends inside a header or a data area, without an end-of-archive block.',
  },
  'archive-header-crc': {
    status: 422,
    meaning: 'A header of the archive fails its CRC check: the archive is damaged.',
  },
  'archive-data-crc': {
    status: 422,
    meaning:
      'The bytes unpacked from an archive entry do not match its size or checksum: the archive is damaged.',
  },
  'archive-volume-missing': {
    status: 422,
    meaning: 'A volume of a multi-volume archive set is missing or out of order.',
  },
  'archive-unsafe-entry': {
    status: 422,
    meaning:
      'An archive entry would land outside the install folder (a `..` or absolute name, a link pointing out, a file written through a link: S51) or would not unpack the same on every system: a name Windows cannot hold (a reserved device name such as `CON` or `NUL.txt`, a backslash, a colon or another character Windows forbids, a trailing dot or space) or two names that differ only by case.',
  },
  'archive-too-many-entries': {
    status: 422,
    meaning:
      'The archives of a game hold more entries than lanspread unpacks for one game (200,000 together, docs/security.md); refused before anything is written.',
  },
  'stream-over-plan': {
    status: 422,
    meaning:
      'A streamed-install source sent more files or bytes than its plan announced; the install is rolled back before the disk fills.',
  },
  'install-failed': {
    status: 422,
    meaning:
      'The install could not be completed (a write error or a full disk); the previous install, if any, is kept.',
  },
  'archive-source-invalid': {
    status: 422,
    meaning:
      'A folder or file cannot be packed into an archive: unreadable, a symlink or special file, an unsafe entry name, or a file that changed while it was read.',
  },
  'file-in-use': {
    status: 422,
    meaning:
      'A file or folder of a game could not be moved or removed because another program has it open (the game, an antivirus, Explorer); close it and try again.',
  },
  'ambiguous-metadata': {
    status: 422,
    meaning: "The sources disagree on the game's files and no plurality exists.",
  },
  'hostile-manifest': {
    status: 422,
    meaning:
      'Every source offered a manifest with paths that leave the game root or touch local/ (S50), that Windows cannot hold, or that differ only by case.',
  },
  'digest-mismatch': {
    status: 422,
    meaning:
      "No source offered the files the catalog vouches for: every manifest differs from the game's digest in the catalog.",
  },
  'no-sources-left': {
    status: 422,
    meaning: 'Every source failed, lied or left before the download finished.',
  },
  'insufficient-space': {
    status: 422,
    meaning: 'The download does not fit into the free space of the games folder.',
  },
  'serve-unknown-game': {
    status: 422,
    meaning: "Refused to serve: the game is not in the serving peer's catalog.",
  },
  'serve-not-ready': {
    status: 422,
    meaning: 'Refused to serve: the root is not complete at the catalog version.',
  },
  'serve-version-mismatch': {
    status: 422,
    meaning: 'Refused to serve: the receiver asked for another version.',
  },
  'serve-busy': {
    status: 422,
    meaning: 'Refused to serve: an operation is changing the game on the serving peer.',
  },
  'serve-over-budget': {
    status: 422,
    meaning:
      'Refused to serve: the remote holds as many transfer connections, requests, stream or manifest jobs as the serving peer allows it (less without a control session); try again later.',
  },
  'serve-bad-path': {
    status: 422,
    meaning: 'Refused to serve: the path is not a regular file inside the game root.',
  },
  'serve-root-not-transferable': {
    status: 422,
    meaning:
      'Refused to serve: the game root cannot be described by a manifest (too many files, a path too long or not portable, names that differ only by case, or a manifest over the frame limit).',
  },
  'serve-chunk-size': {
    status: 422,
    meaning:
      'Refused to serve: the manifest was asked at a chunk size this peer does not serve (it serves 1 MiB and 32 MiB).',
  },
  'chunk-not-here': {
    status: 422,
    meaning:
      'Refused to serve: the game is still downloading on the serving peer and the chunk asked for is not verified there yet (or its file just moved into place); ask another source.',
  },
  'chunk-busy': {
    status: 422,
    meaning:
      'Refused to serve: the serving peer is still downloading the game and sends that chunk to as many peers at once as it allows (two); take it from one of them, which relay it, or ask again shortly.',
  },
  'hash-failed': {
    status: 422,
    meaning:
      'A file could not be hashed: it is unreadable, not a regular file, or it changed while it was read.',
  },
  'bad-game-dir': {
    status: 422,
    meaning:
      'The games folder given to `set-game-dir`, in the settings or with `--games` cannot be used: it is not an absolute path, lies inside the state folder (or holds it), cannot be created, is not a folder, or is not writable.',
  },
  'no-launcher': {
    status: 422,
    meaning:
      'The game ships no launch script for this system (`game_start.cmd` on Windows, `game_start.sh` elsewhere; `server_start.*` for a server): Play stamps the settings and says so in `launch_error`, Start server fails.',
  },
  'already-running': {
    status: 409,
    meaning:
      'The game (or its one-time setup, or its server) that Play or Start server would start is already running.',
  },
  'game-running': {
    status: 409,
    meaning:
      'The game or its server runs: it cannot be installed, uninstalled, updated or removed until it is closed.',
  },
  'launch-failed': {
    status: 422,
    meaning: 'A launch script could not be started (the system refused to run it).',
  },
  'unsafe-launch-argument': {
    status: 422,
    meaning:
      'A launch argument cannot reach a `.cmd` script unchanged through cmd.exe (Windows): the player name or install path holds a double quote, a percent sign or a control character.',
  },
  'not-found': { status: 404, meaning: 'The web API has no such route.' },
  'too-large': { status: 413, meaning: 'The request body is over the web API limit (64 KiB).' },
  'bad-host': {
    status: 421,
    meaning: 'The Host header of a web request does not name this server (DNS rebinding guard).',
  },
  'bad-origin': {
    status: 403,
    meaning: 'A web request or WebSocket upgrade came from a page of another origin.',
  },
  unauthorized: {
    status: 401,
    meaning:
      'The web API needs the token (`Authorization: Bearer`, or `?token=`) and got none or a wrong one.',
  },
  forbidden: {
    status: 403,
    meaning: 'The web API refuses this command from where it came (shutdown off loopback).',
  },
  internal: {
    status: 500,
    meaning: 'An unexpected fault inside lanspread; the log has the details.',
  },
  'nothing-to-cancel': {
    status: 409,
    meaning: 'cancel-download found no operation running on the game.',
  },
  'not-queued': {
    status: 409,
    meaning:
      'pause-download, resume-download or move-download: the game is not in the download queue.',
  },
  paused: {
    status: 409,
    meaning: 'The download was paused (pause-download); resume-download carries it on.',
  },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** Facts some codes carry beside their message, so that no reader has to parse the message. */
export interface ErrorDetailsByCode {
  'insufficient-space': { needed_bytes: number; free_bytes: number };
}
export type ErrorDetails = ErrorDetailsByCode[keyof ErrorDetailsByCode];

/** An error as JSONL and HTTP answers carry it: `{code, message, details?}`. */
export interface WireError {
  code: ErrorCode;
  message: string;
  details?: ErrorDetails;
}

export class LanspreadError extends Error {
  override readonly name = 'LanspreadError';
  readonly details: ErrorDetails | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: ErrorDetails },
  ) {
    super(message, options);
    this.details = options?.details;
  }

  toWire(): WireError {
    const { code, message, details } = this;
    return details === undefined ? { code, message } : { code, message, details };
  }
}

/** What every adapter (JSONL, HTTP, `serve`, `pack`) answers for anything thrown: a fault that is no LanspreadError is `internal`. */
export function toWireError(err: unknown): WireError {
  return err instanceof LanspreadError
    ? err.toWire()
    : { code: 'internal', message: errorMessage(err) };
}

/** The HTTP status of an answer that fails with `code` (docs/api.md "Answers"). */
export function httpStatusOf(code: ErrorCode): number {
  return ERRORS[code].status;
}

/** The message of anything thrown, for logs and wire errors. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
