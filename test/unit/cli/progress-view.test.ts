import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProgressView } from '../../../src/cli/progress-view.js';
import { progressEvent } from '../../support/progress-event.js';

const MiB = 1048576;
const ESC = '\x1b';

function recorder(isTTY: boolean): {
  text: string;
  write(t: string): void;
  isTTY: boolean;
  columns: number;
} {
  return {
    text: '',
    write(t: string) {
      this.text += t;
    },
    isTTY,
    columns: 80,
  };
}

test('a pipe gets begin, at most one progress line every three seconds, and the end', () => {
  const out = recorder(false);
  let now = 0;
  const view = new ProgressView('cnc4', out, { now: () => now });
  view.onEvent({ event: 'download-begin', game: 'cnc4', bytes: 100 * MiB });
  for (let ms = 500; ms <= 6000; ms += 500) {
    now = ms;
    view.onEvent(progressEvent(ms * 10_000));
  }
  now = 6100;
  view.onEvent({ event: 'install-begin', game: 'cnc4' });
  view.onEvent({ event: 'install-finished', game: 'cnc4' });
  view.close();
  const lines = out.text.trimEnd().split('\n');
  assert.equal(lines[0], 'cnc4: downloading 100 MiB');
  assert.equal(lines.filter((l) => /^cnc4: \d+% /.test(l)).length, 2, out.text);
  assert.equal(lines.at(-1), 'cnc4: installing', "the outcome is the answer's to say");
  assert.ok(!out.text.includes('\r') && !out.text.includes(ESC), 'no terminal codes in a pipe');
});

test('a terminal gets one redrawn line, and notes on lines of their own', () => {
  const out = recorder(true);
  let now = 0;
  const view = new ProgressView('cnc4', out, { now: () => now });
  view.onEvent({ event: 'download-begin', game: 'cnc4', bytes: 100 * MiB });
  now = 1000;
  view.onEvent(progressEvent(50 * MiB));
  const redrawn = out.text.split(`\r${ESC}[K`).at(-1) ?? '';
  assert.match(redrawn, /^cnc4 downloading {2}\[=+> *\] {3}50% +50\.0 MiB \/ 100 MiB/);
  view.onEvent({ event: 'download-cancelled', game: 'cnc4' });
  now = 2000;
  view.onEvent(progressEvent(60 * MiB));
  assert.equal(out.text.split(`\r${ESC}[K`).at(-1), redrawn, 'an ended line is not redrawn');
  view.close();
  assert.ok(out.text.endsWith(`${redrawn}\r${ESC}[K`), JSON.stringify(out.text));
});

test("a dropped source's reason is printed without its control and bidi characters", () => {
  const out = recorder(false);
  const view = new ProgressView('cnc4', out, { now: () => 0 });
  view.onEvent({
    event: 'download-peer-dropped',
    game: 'cnc4',
    peer_id: 'a'.repeat(64),
    peer_addr: '10.0.0.9:4000',
    reason: `hostile manifest: path ${ESC}]0;owned\x07\u202Eexe.txt\u009b2J`,
  });
  view.close();
  assert.equal(
    out.text,
    'cnc4: dropped source 10.0.0.9:4000: hostile manifest: path ]0;ownedexe.txt2J\n',
  );
});
