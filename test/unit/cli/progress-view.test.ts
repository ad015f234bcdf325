import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProgressView } from '../../../src/cli/progress-view.js';
import type { PeerEvent } from '../../../src/peer/index.js';

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

function progress(done: number): PeerEvent {
  return {
    event: 'download-progress',
    game: 'cnc4',
    bytes_done: done,
    bytes_total: 100 * MiB,
    mib_per_s: 1,
    active_peers: 1,
  };
}

test('a pipe gets begin, at most one progress line every three seconds, and the end', () => {
  const out = recorder(false);
  let now = 0;
  const view = new ProgressView('cnc4', out, { now: () => now });
  view.onEvent({ event: 'download-begin', game: 'cnc4', bytes: 100 * MiB });
  for (let ms = 500; ms <= 6000; ms += 500) {
    now = ms;
    view.onEvent(progress(ms * 10_000));
  }
  now = 6100;
  view.onEvent({ event: 'install-begin', game: 'cnc4' });
  view.onEvent({ event: 'install-finished', game: 'cnc4' });
  view.close();
  const lines = out.text.trimEnd().split('\n');
  assert.equal(lines[0], 'cnc4: downloading 100 MiB');
  assert.equal(lines.filter((l) => /^cnc4: \d+% /.test(l)).length, 2, out.text);
  assert.deepEqual(lines.slice(-2), ['cnc4: installing', 'cnc4: installed']);
  assert.ok(!out.text.includes('\r') && !out.text.includes(ESC), 'no terminal codes in a pipe');
});

test('a terminal gets one redrawn line, and notes on lines of their own', () => {
  const out = recorder(true);
  let now = 0;
  const view = new ProgressView('cnc4', out, { now: () => now });
  view.onEvent({ event: 'download-begin', game: 'cnc4', bytes: 100 * MiB });
  now = 1000;
  view.onEvent(progress(50 * MiB));
  const redrawn = out.text.split(`\r${ESC}[K`).at(-1) ?? '';
  assert.match(redrawn, /^cnc4 downloading {2}\[=+> *\] {3}50% +50\.0 MiB \/ 100 MiB/);
  view.onEvent({ event: 'download-cancelled', game: 'cnc4' });
  view.close();
  assert.ok(out.text.endsWith('\r\x1b[Kcnc4: cancelled\n'), JSON.stringify(out.text));
});

test('settled waits for the final event, or gives up after its time', async () => {
  const view = new ProgressView('cnc4', recorder(false));
  const started = Date.now();
  await view.settled(50);
  assert.ok(Date.now() - started >= 45, 'nothing final yet: waited the whole time');
  const waiting = view.settled(10_000);
  view.onEvent({ event: 'install-finished', game: 'cnc4' });
  await waiting;
  assert.ok(Date.now() - started < 5_000);
  view.close();
});
