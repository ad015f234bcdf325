/** The one error class of lanspread and the registry of its stable codes (see docs/errors.md). */

export const ERROR_CODES = {
  'bad-command':
    'A JSONL command line could not be parsed, or names an unknown command or bad arguments.',
  'bad-arguments': 'The command line of the program is wrong (exit code 2).',
  'unknown-game': 'The game id is not in the local catalog.',
  'no-peers-have-game': 'No connected peer has the game Ready at the catalog version.',
  'operation-in-progress': 'Another operation is already running on this game.',
  'self-connect': 'The address leads back to this very peer.',
  'connect-failed': 'The remote address could not be reached or did not complete the handshake.',
  'listen-failed':
    'The peer cannot accept connections on the address and port it was given (in use or not allowed).',
  'handshake-failed': 'The remote side is not a lanspread peer, or proved a different identity.',
  'protocol-error': 'A peer sent a malformed, oversized or unexpected frame.',
  timeout: 'The operation did not finish in the time it was given.',
  'not-downloaded': 'The game has no complete root (version.ini) here.',
  'already-installed': 'The game is already installed.',
  'already-up-to-date': 'The game is already at the catalog version here: nothing to update.',
  'not-installed': 'The game is not installed here (no local/ folder).',
  'download-failed': 'The download could not be completed.',
  'not-implemented': 'This command arrives with a later capability.',
  'catalog-missing': 'The catalog file does not exist or cannot be opened.',
  'catalog-malformed': 'The catalog file is not a lanspread catalog database.',
  'state-dir-unusable': 'The state folder cannot be created or written.',
  'games-dir-unusable': 'The games folder cannot be created or read.',
  'identity-corrupt': 'The key or certificate in the state folder cannot be read.',
  'shutting-down': 'The peer is shutting down.',
  cancelled:
    'The operation was cancelled (cancel-download); what was verified is kept for a resume.',
  'archive-unreadable': 'An archive could not be read or written.',
  'archive-unsupported':
    'The file is not an archive lanspread can read: not RAR, RAR 1.4, or RAR 7 features such as a dictionary over 4 GiB.',
  'archive-encrypted': 'The archive or an entry in it is encrypted (made with a password).',
  'archive-truncated':
    'The archive ends inside a header or a data area, without an end-of-archive block.',
  'archive-header-crc': 'A header of the archive fails its CRC check: the archive is damaged.',
  'archive-data-crc':
    'The bytes unpacked from an archive entry do not match its size or checksum: the archive is damaged.',
  'archive-volume-missing': 'A volume of a multi-volume archive set is missing or out of order.',
  'archive-unsafe-entry':
    'An archive entry would land outside the install folder (a `..` or absolute name, a link pointing out, a file written through a link: S51) or would not unpack the same on every system: a name Windows cannot hold (a reserved device name such as `CON` or `NUL.txt`, a backslash, a colon or another character Windows forbids, a trailing dot or space) or two names that differ only by case.',
  'install-failed':
    'The install could not be completed (a write error or a full disk); the previous install, if any, is kept.',
  'archive-source-invalid':
    'A folder or file cannot be packed into an archive: unreadable, a symlink or special file, an unsafe entry name, or a file that changed while it was read.',
  'file-in-use':
    'A file or folder of a game could not be moved or removed because another program has it open (the game, an antivirus, Explorer); close it and try again.',
  'ambiguous-metadata': "The sources disagree on the game's files and no plurality exists.",
  'hostile-manifest':
    'Every source offered a manifest with paths that leave the game root or touch local/ (S50), that Windows cannot hold, or that differ only by case.',
  'no-sources-left': 'Every source failed, lied or left before the download finished.',
  'insufficient-space': 'The download does not fit into the free space of the games folder.',
  'serve-unknown-game': "Refused to serve: the game is not in the serving peer's catalog.",
  'serve-not-ready': 'Refused to serve: the root is not complete at the catalog version.',
  'serve-version-mismatch': 'Refused to serve: the receiver asked for another version.',
  'serve-busy': 'Refused to serve: an operation is changing the game on the serving peer.',
  'serve-bad-path': 'Refused to serve: the path is not a regular file inside the game root.',
  'serve-root-not-transferable':
    'Refused to serve: the game root cannot be described by a manifest (too many files, a path too long or not portable, names that differ only by case, or a manifest over the frame limit).',
  'hash-failed':
    'A file could not be hashed: it is unreadable, not a regular file, or it changed while it was read.',
  'bad-game-dir':
    'The games folder given to `set-game-dir` or in the settings cannot be used: it is not an absolute path, cannot be created, is not a folder, or is not writable.',
  'no-launcher':
    'The game ships no launch script for this system (`game_start.cmd` on Windows, `game_start.sh` elsewhere; `server_start.*` for a server): Play stamps the settings and says so in `launch_error`, Start server fails.',
  'already-running':
    'The game (or its one-time setup, or its server) that Play or Start server would start is already running.',
  'game-running':
    'The game or its server runs: it cannot be installed, uninstalled, updated or removed until it is closed.',
  'launch-failed': 'A launch script could not be started (the system refused to run it).',
  'unsafe-launch-argument':
    'A launch argument cannot reach a `.cmd` script unchanged through cmd.exe (Windows): the player name or install path holds a double quote, a percent sign or a control character.',
  'not-found': 'The web API has no such route.',
  'too-large': 'The request body is over the web API limit (64 KiB).',
  'bad-host': 'The Host header of a web request does not name this server (DNS rebinding guard).',
  'bad-origin': 'A web request or WebSocket upgrade came from a page of another origin.',
  unauthorized:
    'The web API needs the token (`Authorization: Bearer`, or `?token=`) and got none or a wrong one.',
  forbidden: 'The web API refuses this command from where it came (shutdown off loopback).',
  internal: 'An unexpected fault inside lanspread; the log has the details.',
  'nothing-to-cancel': 'cancel-download found no operation running on the game.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class LanspreadError extends Error {
  override readonly name = 'LanspreadError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The message of anything thrown, for logs and wire errors. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
