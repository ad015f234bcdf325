/** The cmd.exe command line that runs a game's `.cmd` script with untrusted arguments: pure, no I/O. */
import { LanspreadError } from '../errors.js';

/** An argument as the ETI scripts expect it: paths and the player name quoted, id and language bare. */
export type CmdArgument = { quoted: string } | { bare: string };

/**
 * What cmd.exe cannot carry inside quotes unchanged: `"` ends the quotes (the rest would be
 * parsed as commands), `%` expands a variable even inside quotes, control characters end or
 * corrupt the line. They are refused, never mangled.
 */
const UNPASSABLE = /["%\p{Cc}]/u;
const BARE = /^[A-Za-z0-9._-]+$/;
/** Special to cmd.exe's parser outside quotes; a caret before each makes it a plain character. */
const METACHARACTERS = /[\^&|<>()"]/g;

/**
 * The script's own command line, as the original launcher builds it:
 * `"<script>" "<install path>" <id> <lang> "<player>"`. Inside the quotes `& | < > ( ) ^` are
 * plain text to cmd.exe; what cannot be quoted is refused with `unsafe-launch-argument`.
 */
export function cmdScriptLine(script: string, args: readonly CmdArgument[]): string {
  return [
    quote(script),
    ...args.map((arg) => ('bare' in arg ? bare(arg.bare) : quote(arg.quoted))),
  ].join(' ');
}

/**
 * The verbatim arguments of `cmd.exe` (spawn with `windowsVerbatimArguments`) that open the
 * script in a console window of its own and wait there until it ends: `start /wait` makes the
 * window (a detached process has no console), and the outer cmd.exe lives as long as the script,
 * so its exit is the script's. `keepOpen` leaves the window open afterwards (`cmd /k`, for a
 * server). The outer cmd.exe parses the line once more, so every metacharacter of the script's
 * line, quotes included, gets a caret: the outer parse then hands exactly that line on.
 */
export function cmdWindowArguments(scriptLine: string, keepOpen: boolean): string {
  const inner = `cmd.exe /d /v:off /s ${keepOpen ? '/k' : '/c'} "${scriptLine}"`;
  return `/d /v:off /s /c "start "" /wait ${inner.replace(METACHARACTERS, '^$&')}"`;
}

function quote(value: string): string {
  if (UNPASSABLE.test(value)) {
    throw new LanspreadError(
      'unsafe-launch-argument',
      `cmd.exe cannot pass ${JSON.stringify(value)} to a .cmd script unchanged: it holds a double quote, a percent sign or a control character`,
    );
  }
  return `"${value}"`;
}

function bare(value: string): string {
  if (!BARE.test(value)) {
    throw new LanspreadError(
      'unsafe-launch-argument',
      `${JSON.stringify(value)} must be letters, digits, dots, dashes or underscores to be passed unquoted`,
    );
  }
  return value;
}
