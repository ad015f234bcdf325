import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogRing, createLogger } from '../../src/logger.js';

test('the log ring keeps the last records, oldest first, and parses them', () => {
  const ring = new LogRing(3);
  for (let i = 1; i <= 5; i++) ring.write(`${JSON.stringify({ level: 30, msg: `m${i}` })}\n`);
  assert.deepEqual(
    ring.last(10).map((r) => (r as { msg: string }).msg),
    ['m3', 'm4', 'm5'],
  );
  assert.deepEqual(
    ring.last(2).map((r) => (r as { msg: string }).msg),
    ['m4', 'm5'],
  );
});

test('a line that is not JSON is kept as its text', () => {
  const ring = new LogRing(2);
  ring.write('not json\n');
  assert.deepEqual(ring.last(1), [{ msg: 'not json' }]);
});

test('createLogger with a ring keeps what it writes to stderr', () => {
  const ring = new LogRing();
  const log = createLogger('warn', ring);
  log.info({}, 'below the level');
  log.warn({ game: 'cnc4' }, 'kept in the ring (and on stderr)');
  const records = ring.last(10) as { msg: string; game: string }[];
  assert.deepEqual(
    records.map((r) => [r.msg, r.game]),
    [['kept in the ring (and on stderr)', 'cnc4']],
  );
});
