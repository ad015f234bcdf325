import assert from 'node:assert/strict';
import { test } from 'node:test';
import { remoteName, terminalJson, terminalText } from '../../src/terminal-text.js';

test('terminalText drops what a terminal would act on and keeps what it shows', () => {
  assert.equal(terminalText('\x1b[2J\x1b]0;pwned\x07Alice\x1b[31m'), '[2J]0;pwnedAlice[31m');
  assert.equal(terminalText('a\rb\nc\td\0e\x7f'), 'abcde');
  assert.equal(terminalText('\u009b31mred\u0085\u009d'), '31mred', 'C1 controls: CSI, NEL, OSC');
  assert.equal(
    terminalText('invoice\u202Etxt.exe\u202C \u2066x\u2069\u200E\u200F\u061C'),
    'invoicetxt.exe x',
    'bidi overrides, isolates and marks',
  );
  assert.equal(terminalText('line\u2028para\u2029'), 'linepara');
  for (const kept of ['Älice', 'straße', '日本語', 'emoji 🎮', 'a  b', '\u00a0nbsp', 'ÿ']) {
    assert.equal(terminalText(kept), kept, kept);
  }
});

test('terminalJson is the same JSON, with no raw control or bidi character in it', () => {
  const value = { name: 'x\x1b[31m\u009b\u202Ey\u2066', n: 1, list: ['\u0085'] };
  const line = terminalJson(value);
  assert.deepEqual(JSON.parse(line), value);
  assert.equal(terminalText(line), line, 'nothing left to drop');
  assert.match(line, /\\u009b/);
  assert.match(line, /\\u202e/);
  assert.equal(terminalJson({ plain: 'straße' }), JSON.stringify({ plain: 'straße' }));
});

test('remoteName keeps the printable name, else the fallback', () => {
  assert.equal(remoteName('  \x1b[1mBob\x1b[0m  ', 'abc'), '[1mBob[0m');
  assert.equal(remoteName('\u202E\x1b\x07 ', 'abcdef123456'), 'abcdef123456');
  assert.equal(remoteName('LAN-PC', 'x'), 'LAN-PC');
});
