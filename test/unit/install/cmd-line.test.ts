import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LanspreadError } from '../../../src/errors.js';
import {
  cmdScriptLine,
  cmdWindowArguments,
  type CmdArgument,
} from '../../../src/install/cmd-line.js';

const SCRIPT = 'C:\\Games\\ggoo\\local\\game_start.cmd';
const LOCAL = 'C:\\Games\\ggoo\\local';
const args = (name: string): CmdArgument[] => [
  { quoted: LOCAL },
  { bare: 'ggoo' },
  { bare: 'en' },
  { quoted: name },
];

/**
 * A model of how cmd.exe splits one line (phase 2 of its parser): a caret outside quotes makes
 * the next character plain, a quote toggles the quoted state, and `& | < > ( )` outside quotes
 * end the command. Returns the text with outer carets removed, or the first place where cmd.exe
 * would see a command separator, redirection or group.
 */
function cmdParse(line: string): { text: string; special: number | null } {
  let quoted = false;
  let text = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (!quoted && c === '^') {
      text += line[++i] ?? '';
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && '&|<>()'.includes(c)) return { text, special: i };
    text += c;
  }
  return { text, special: null };
}

/** The quoted and bare words of a script line, as a batch file sees %1…%n with %~ removing quotes. */
function batchWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

const PASSING = [
  'Gordon',
  'a&b|c',
  'x^y^^',
  'p<q>r',
  '(paren) group)',
  'semi;colon,comma=eq',
  'bang!x!',
  "quote'single`back`",
  'sp ace & calc.exe',
  'a$(touch pwned)',
  '&& shutdown /s',
  '|| del *',
  'Ünïcödé 名前',
];

for (const name of PASSING) {
  test(`a name cmd.exe parses as one plain argument: ${JSON.stringify(name)}`, () => {
    const line = cmdScriptLine(SCRIPT, args(name));
    // The script's own cmd.exe (/s strips the outer quotes we add) sees no separator.
    const inner = cmdParse(line);
    assert.equal(inner.special, null, `inner parse stops at ${inner.special}`);
    assert.deepEqual(batchWords(line), [SCRIPT, LOCAL, 'ggoo', 'en', name]);
    // The outer cmd.exe that runs `start` sees no separator either, and hands the line on intact.
    const verbatim = cmdWindowArguments(line, false);
    const prefix = '/d /v:off /s /c "';
    assert.ok(verbatim.startsWith(prefix) && verbatim.endsWith('"'));
    const outer = cmdParse(verbatim.slice(prefix.length, -1));
    assert.equal(outer.special, null, `outer parse stops at ${outer.special}`);
    assert.equal(outer.text, `start "" /wait cmd.exe /d /v:off /s /c "${line}"`);
  });
}

const REFUSED = ['say "hi"', '%PATH%', '100%', 'line\nbreak', 'tab\there', 'bell\u0007', 'nul\0'];

for (const name of REFUSED) {
  test(`a name cmd.exe cannot pass unchanged is refused: ${JSON.stringify(name)}`, () => {
    assert.throws(
      () => cmdScriptLine(SCRIPT, args(name)),
      (err) => err instanceof LanspreadError && err.code === 'unsafe-launch-argument',
    );
  });
}

test('an install path with a percent sign is refused too', () => {
  assert.throws(
    () => cmdScriptLine(SCRIPT, [{ quoted: 'C:\\100%\\local' }]),
    (err) => err instanceof LanspreadError && err.code === 'unsafe-launch-argument',
  );
});

test('bare words are only letters, digits, dots, dashes and underscores', () => {
  assert.equal(cmdScriptLine(SCRIPT, [{ bare: 'cnc-tw_1.0' }]), `"${SCRIPT}" cnc-tw_1.0`);
  for (const word of ['two words', 'a&b', '', 'x"']) {
    assert.throws(
      () => cmdScriptLine(SCRIPT, [{ bare: word }]),
      (err) => err instanceof LanspreadError && err.code === 'unsafe-launch-argument',
    );
  }
});

test('the line follows the original launcher: path and name quoted, id and language bare', () => {
  assert.equal(
    cmdScriptLine(SCRIPT, args('Gordon Freeman')),
    `"${SCRIPT}" "${LOCAL}" ggoo en "Gordon Freeman"`,
  );
});

test('a server window stays open (cmd /k); a game or setup window closes with its script', () => {
  const line = cmdScriptLine(SCRIPT, args('Gordon'));
  assert.match(cmdWindowArguments(line, true), /cmd\.exe \/d \/v:off \/s \/k \^"/);
  assert.match(cmdWindowArguments(line, false), /cmd\.exe \/d \/v:off \/s \/c \^"/);
});
