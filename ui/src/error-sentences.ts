/** Turns an error code (docs/errors.md) and its message into a sentence that says what happened and what to do. */
import { formatBytes } from './human-units.js';

const SENTENCES: Record<string, string> = {
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

/** "needs 30.0 GiB, 12.0 GiB free on /games" → the two amounts. */
const SPACE = /needs ([\d.]+) (\w+), ([\d.]+) (\w+) free/;
const POWERS: Record<string, number> = { B: 0, KiB: 1, MiB: 2, GiB: 3, TiB: 4 };

/** The server's "30.0 GiB" in the units the rest of the page shows. */
function amount(value: string | undefined, unit: string | undefined): string {
  const power = POWERS[unit ?? ''];
  if (value === undefined || power === undefined) return `${value ?? '?'} ${unit ?? ''}`;
  return formatBytes(Number(value) * 1024 ** power);
}

export function errorSentence(code: string, message: string): string {
  if (code === 'insufficient-space') {
    const m = SPACE.exec(message);
    const numbers = m === null ? '' : ` ${amount(m[3], m[4])} free, ${amount(m[1], m[2])} needed.`;
    return `Not enough disk:${numbers || ' the games folder is full.'} Free some space or use Stream install.`;
  }
  const sentence = SENTENCES[code];
  return sentence === undefined ? `Failed: ${message}` : sentence;
}
