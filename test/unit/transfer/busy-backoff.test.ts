import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LanspreadError } from '../../../src/errors.js';
import {
  BUSY_FIRST_WAIT_MS,
  BUSY_MAX_WAIT_MS,
  BusyBackoff,
  retryWhileBusy,
} from '../../../src/transfer/busy-backoff.js';
import { recordingLogger } from '../../support/recording-logger.js';

const busy = (): LanspreadError => new LanspreadError('serve-over-budget', 'too many requests');

test('waits double from 0.5–1 s up to 2.5–5 s, with jitter, and start over after a success', () => {
  const lowest = new BusyBackoff(() => 0);
  assert.deepEqual(
    Array.from({ length: 6 }, () => lowest.next()),
    [500, 1000, 2000, 2500, 2500, 2500],
  );
  const highest = new BusyBackoff(() => 0.999_999);
  const waits = Array.from({ length: 6 }, () => highest.next());
  assert.deepEqual(
    waits.map((w) => Math.round(w)),
    [1000, 2000, 4000, 5000, 5000, 5000],
  );
  assert.ok(waits.every((w) => w < BUSY_MAX_WAIT_MS));
  highest.reset();
  assert.ok(highest.next() < 2 * BUSY_FIRST_WAIT_MS, 'after reset the wait is short again');
  const random = new BusyBackoff();
  const drawn = new Set(Array.from({ length: 20 }, () => (random.reset(), random.next())));
  assert.ok(drawn.size > 1, 'jittered: receivers refused together come back apart');
});

test('retries while the source is busy, each wait logged, then returns its answer', async () => {
  const log = recordingLogger();
  let calls = 0;
  const started = Date.now();
  const answer = await retryWhileBusy(
    async () => {
      calls++;
      if (calls <= 2) throw busy();
      return 'manifest';
    },
    { signal: new AbortController().signal, log, fields: { peer: 'p' }, what: 'the manifest' },
    new BusyBackoff(() => 0),
  );
  assert.equal(answer, 'manifest');
  assert.equal(calls, 3);
  assert.ok(Date.now() - started >= 1_400, 'it waited 0.5 s, then 1 s');
  assert.deepEqual(
    log.lines.map((l) => [l.msg, l.fields.wait_ms]),
    [
      ['source is busy; asking it again for the manifest after a wait', 500],
      ['source is busy; asking it again for the manifest after a wait', 1000],
    ],
  );
});

test('any other failure ends it at once', async () => {
  let calls = 0;
  await assert.rejects(
    retryWhileBusy(
      async () => {
        calls++;
        throw new LanspreadError('download-failed', 'source refused: serve-busy');
      },
      { signal: new AbortController().signal, log: recordingLogger(), fields: {}, what: 'x' },
    ),
    /serve-busy/,
  );
  assert.equal(calls, 1);
});

test('a cancel ends the wait at once with its reason', async () => {
  const stop = new AbortController();
  const started = Date.now();
  const waiting = retryWhileBusy(
    () => Promise.reject(busy()),
    { signal: stop.signal, log: recordingLogger(), fields: {}, what: 'the stream' },
    new BusyBackoff(() => 0.999),
  );
  setTimeout(() => {
    stop.abort(new LanspreadError('cancelled', 'cancelled by the user'));
  }, 100);
  await assert.rejects(waiting, /cancelled by the user/);
  assert.ok(Date.now() - started < 900, 'not after the 1 s wait');
});
