import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPlainLine, formatTtyLine, renderBar } from '../../../src/cli/progress-line.js';
import type { ProgressSnapshot } from '../../../src/cli/progress-tracker.js';

const GiB = 1024 ** 3;

function downloading(over: Partial<ProgressSnapshot> = {}): ProgressSnapshot {
  return {
    game: 'cnc4',
    phase: 'downloading',
    bytesDone: 1.3 * GiB,
    bytesTotal: 2.6 * GiB,
    sources: 2,
    bytesPerSecond: 85.3 * 1048576,
    etaSeconds: 17,
    phaseSeconds: 14,
    streamed: false,
    ...over,
  };
}

test('the bar fills with the share done and keeps its width', () => {
  assert.equal(renderBar(0, 12, 0), '[>         ]');
  assert.equal(renderBar(0.5, 12, 0), '[=====>    ]');
  assert.equal(renderBar(1, 12, 0), '[==========]');
  for (let tick = 0; tick < 30; tick++) {
    const bar = renderBar(null, 12, tick);
    assert.equal(bar.length, 12, bar);
    assert.match(bar, /^\[ *<=> *\]$/);
  }
});

test('a wide terminal gets bar, percent, bytes, speed and ETA', () => {
  assert.equal(
    formatTtyLine(downloading(), 100),
    'cnc4 downloading  [=============>            ]   50%  1.30 GiB / 2.60 GiB  85.3 MiB/s  ETA 0:17',
  );
});

test('the layout depends on the width alone, not on the numbers of the moment', () => {
  const early = formatTtyLine(
    downloading({ bytesDone: 0, bytesPerSecond: null, etaSeconds: null }),
    100,
  );
  const late = formatTtyLine(downloading(), 100);
  assert.equal(early.indexOf(']'), late.indexOf(']'), `${early}\n${late}`);
  assert.equal(early.lastIndexOf('GiB'), late.lastIndexOf('GiB'));
  const installing = formatTtyLine(downloading({ phase: 'installing' }), 100);
  assert.equal(installing.indexOf('['), late.indexOf('['), 'the bar stays put across phases');
});

test('the line never reaches the last column, dropping speed and bytes before the bar shrinks away', () => {
  for (const columns of [20, 40, 60, 72, 80, 100, 200]) {
    const line = formatTtyLine(downloading(), columns);
    assert.ok(line.length <= columns - 1, `${columns}: ${line}`);
    assert.match(line, /^cnc4 downloading/);
  }
  const narrow = formatTtyLine(downloading(), 60);
  assert.match(narrow, /50% {2}ETA 0:17$/, 'the ETA outlives the speed and the bytes');
  assert.doesNotMatch(narrow, /MiB/);
});

test('a streamed install says streaming where a download says downloading', () => {
  const line = formatTtyLine(downloading({ streamed: true }), 100);
  assert.match(line, /^cnc4 streaming {4}\[=+> *\] {3}50%/);
  assert.equal(line.indexOf('['), formatTtyLine(downloading(), 100).indexOf('['));
});

test('an install shows its phase and clock, no bytes', () => {
  const line = formatTtyLine(downloading({ phase: 'installing', phaseSeconds: 65 }), 80);
  assert.match(line, /^cnc4 installing {3}\[ *<=> *\] {2}1:05$/);
});

test('before the size is known the line says starting and walks the block', () => {
  const line = formatTtyLine(
    downloading({ phase: 'starting', bytesTotal: null, bytesDone: 0, phaseSeconds: 2 }),
    80,
  );
  assert.match(line, /^cnc4 starting {5}\[ *<=> *\] {2}0:02$/);
});

test('the plain line says the same in a sentence', () => {
  assert.equal(
    formatPlainLine(downloading()),
    'cnc4: 50% (1.30 GiB of 2.60 GiB) at 85.3 MiB/s, ETA 0:17',
  );
  assert.equal(
    formatPlainLine(downloading({ bytesPerSecond: null, etaSeconds: null })),
    'cnc4: 50% (1.30 GiB of 2.60 GiB)',
  );
  assert.equal(
    formatPlainLine(downloading({ phase: 'installing', phaseSeconds: 9 })),
    'cnc4: installing (0:09)',
  );
});
