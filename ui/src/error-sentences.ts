/** Turns an error code (docs/errors.md) and its message into a sentence that says what happened and what to do. */
import type { ErrorCode, ErrorDetails } from '../../src/errors.js';
import { formatBytes } from '../../src/human-units.js';

/** The registry's codes and the page's own (`network`: no answer from the peer). */
type UiErrorCode = ErrorCode | 'network';

/** A sentence, one made from the error's details, or null: the message itself is shown. */
type Sentence = string | ((details: ErrorDetails | undefined) => string) | null;

// Every code has an entry, so a new one in the registry makes the UI decide what to say.
const SENTENCES: Record<UiErrorCode, Sentence> = {
  'insufficient-space': spaceSentence,
  'already-up-to-date': 'The game is already at the latest version here.',
  'file-in-use':
    'A file of the game is open in another program (the game, an antivirus, Explorer). Close it and try again.',
  timeout: 'The peer took too long to answer. Try again.',
  'nothing-to-cancel': 'Nothing is running on this game any more: there is nothing to cancel.',
  'not-queued': 'This game is not in the download queue any more.',
  paused: 'The download is paused. Resume it to carry on where it stopped.',
  'games-dir-unusable': 'The games folder cannot be used. Choose another one under Settings.',
  internal: 'Something went wrong inside lanspread; its log has the details.',
  forbidden: 'The peer refuses this action from this computer.',
  'bad-command': null,
  'bad-arguments': null,
  'listen-failed': null,
  'protocol-error': null,
  'peer-over-budget': null,
  'catalog-missing': null,
  'catalog-malformed': null,
  'cover-invalid': null,
  'no-cover': null,
  'state-dir-unusable': null,
  'identity-corrupt': null,
  'archive-unreadable': null,
  'archive-source-invalid': null,
  'serve-unknown-game': null,
  'serve-not-ready': null,
  'serve-version-mismatch': null,
  'serve-busy': null,
  'serve-over-budget': null,
  'serve-bad-path': null,
  'serve-root-not-transferable': null,
  'serve-chunk-size': null,
  'hash-failed': null,
  'chunk-not-here': null,
  'chunk-busy': null,
  'not-found': null,
  'too-large': null,
  'bad-host': null,
  'bad-origin': null,
  'no-peers-have-game':
    'No peer on the LAN has this game right now. Wait for one to join, or connect to one on the Peers page.',
  'no-sources-left':
    'Every peer that had the game left or failed before the download finished. What was verified is kept: try again when a source is back.',
  'download-failed': 'The download could not be completed. Try again; what was verified is kept.',
  'operation-in-progress':
    'Something is already running on this game. Wait for it to finish or cancel it.',
  'already-installed': 'The game is already installed.',
  'not-installed': 'The game is not installed here.',
  'not-downloaded': 'The game files are not complete here. Download it first.',
  'unknown-game': 'This game is not in the catalog of this peer.',
  'ambiguous-metadata':
    'The peers disagree on the files of this game. Ask the others which copy is right, then try again.',
  'hostile-manifest':
    'The peers offered files that would land outside the game folder; nothing was written.',
  'digest-mismatch':
    'No peer has the files the catalog vouches for; the others were refused and nothing was written.',
  cancelled: 'Cancelled. What was verified is kept for the next try.',
  'install-failed':
    'The install could not be completed (a write error or a full disk). The previous install, if any, is kept.',
  'archive-encrypted': 'The game archive is protected by a password and cannot be installed.',
  'archive-unsupported': 'The game archive uses a format lanspread cannot unpack.',
  'archive-truncated': 'The game archive is incomplete. Remove the files and download it again.',
  'archive-header-crc': 'The game archive is damaged. Remove the files and download it again.',
  'archive-data-crc': 'The game archive is damaged. Remove the files and download it again.',
  'archive-volume-missing':
    'A part of the game archive is missing. Remove the files and download it again.',
  'archive-unsafe-entry': 'The game archive would write outside its folder, so it was refused.',
  'archive-too-many-entries':
    'The game archive holds more files than lanspread unpacks from one archive, so it was refused.',
  'stream-over-plan':
    'The peer sent more than it announced for this game, so the install was stopped and nothing was kept.',
  'connect-failed':
    'That address could not be reached. Check the address and port, and that the other peer is running.',
  'self-connect': 'That address is this very peer.',
  'handshake-failed': 'Something answered at that address, but it is not a lanspread peer.',
  'bad-game-dir': 'This folder cannot be used for games.',
  'shutting-down': 'The peer is shutting down.',
  'not-implemented': 'This peer does not support that action yet.',
  'no-launcher':
    'Nothing was started: the game ships no launcher for this system (game_start.cmd for Windows, game_start.sh for Linux and macOS). Your name and language were written into it.',
  'already-running': 'The game is already running (or its first-time setup is still under way).',
  'game-running': 'The game is running. Close it first: its files cannot be changed while it runs.',
  'launch-failed': 'The game could not be started: the system refused to run its launch script.',
  'unsafe-launch-argument':
    'Your player name holds a double quote, a percent sign or a control character, which Windows cannot hand to the game unchanged. Change it under Settings.',
  network: 'The peer does not answer. Is `lanspread serve` still running?',
  unauthorized: 'This page has no valid access token. Open the address `lanspread serve` printed.',
};

/** The space check's numbers, when the error carries them; a disk that filled up later has none. */
function spaceSentence(details: ErrorDetails | undefined): string {
  const numbers =
    details === undefined
      ? ' the games folder is full.'
      : ` ${formatBytes(details.free_bytes)} free, ${formatBytes(details.needed_bytes)} needed.`;
  return `Not enough disk:${numbers} Free some space or use Stream install.`;
}

function isKnown(code: string): code is UiErrorCode {
  return Object.hasOwn(SENTENCES, code);
}

/** The code may be one this page does not know yet (a newer peer): its message is shown then. */
export function errorSentence(code: string, message: string, details?: ErrorDetails): string {
  const sentence = isKnown(code) ? SENTENCES[code] : null;
  if (typeof sentence === 'function') return sentence(details);
  return sentence ?? `Failed: ${message}`;
}
