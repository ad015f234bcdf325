import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LanspreadError } from '../../../src/errors.js';
import { ChunkFlight, RELAY_HOLD_BACK_BYTES } from '../../../src/transfer/chunk-flight.js';

const MIB = 1024 * 1024;

/** Settles on the next turns of the event loop, or stays pending. */
async function state<T>(promise: Promise<T>): Promise<T | 'pending' | Error> {
  const pending = Symbol('pending');
  const outcome = await Promise.race([
    promise.catch((err: unknown) => err as Error),
    new Promise<typeof pending>((resolve) =>
      setImmediate(() => {
        resolve(pending);
      }),
    ),
  ]);
  return outcome === pending ? 'pending' : outcome;
}

/** A complete peer the flights' bytes come from. */
const FROM = { peer: 'seeder', relayed: false };

test('a relay follows the write frontier but holds back the last bytes until the hash passed', async () => {
  const ends: ChunkFlight[] = [];
  const flight = new ChunkFlight(32 * MIB, FROM, (f) => ends.push(f));
  const signal = new AbortController().signal;
  const first = flight.beyond(0, signal);
  assert.equal(await state(first), 'pending', 'nothing on disk yet');
  flight.written(MIB);
  assert.equal(await first, MIB);
  flight.written(MIB / 2);
  assert.equal(flight.sendable, MIB, 'the frontier never moves back');
  flight.written(32 * MIB);
  assert.equal(flight.sendable, 32 * MIB - RELAY_HOLD_BACK_BYTES, 'whole on disk, not verified');
  const tail = flight.beyond(32 * MIB - RELAY_HOLD_BACK_BYTES, signal);
  assert.equal(await state(tail), 'pending', 'the last bytes wait for the hash');
  flight.verify();
  assert.equal(await tail, 32 * MIB);
  assert.deepEqual(ends, [flight]);
  flight.fail();
  assert.equal(flight.verified, true, 'a verified flight stays verified');
  assert.equal(ends.length, 1, 'it ends once');
});

test('a chunk shorter than the hold-back is sent only once verified', async () => {
  const flight = new ChunkFlight(1000, FROM);
  flight.written(1000);
  assert.equal(flight.sendable, 0);
  const wait = flight.beyond(0, new AbortController().signal);
  assert.equal(await state(wait), 'pending');
  flight.verify();
  assert.equal(await wait, 1000);
});

test('a failed flight ends every relay waiting on it, and every later one, as chunk-not-here', async () => {
  const flight = new ChunkFlight(4 * MIB, FROM);
  const signal = new AbortController().signal;
  flight.written(2 * MIB);
  const waiting = flight.beyond(2 * MIB, signal);
  flight.fail();
  for (const err of [await state(waiting), await state(flight.beyond(0, signal))]) {
    assert.ok(err instanceof LanspreadError, String(err));
    assert.equal(err.code, 'chunk-not-here');
  }
  flight.written(4 * MIB);
  flight.verify();
  assert.equal(flight.verified, false, 'a failed flight stays failed');
});

test('a relay whose receiver went away stops waiting', async () => {
  const flight = new ChunkFlight(4 * MIB, FROM);
  const abort = new AbortController();
  const waiting = flight.beyond(0, abort.signal);
  abort.abort(new Error('receiver gone'));
  const err = await state(waiting);
  assert.ok(err instanceof Error && err.message === 'receiver gone', String(err));
});
