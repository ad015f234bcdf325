import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BandwidthCap, type CapClock } from '../../../src/transfer/bandwidth-cap.js';

const MIB = 1024 * 1024;

/** A clock that moves only when told, firing due timers in order. */
class FakeClock implements CapClock {
  #now = 0;
  #timers: { at: number; fn: () => void }[] = [];

  now(): number {
    return this.#now;
  }

  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.#now + ms, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Moves to `ms` from now, firing every timer due on the way (and letting the promises run). */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await flush();
      const due = this.#timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = Math.max(this.#now, due.at);
      due.fn();
    }
    this.#now = end;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A sender that asks for `piece` bytes again as soon as the last were granted; counts what went. */
function sender(
  cap: BandwidthCap,
  key: string,
  piece: number,
  signal?: AbortSignal,
): { sent: number; stopped: unknown; stop: boolean } {
  const state = { sent: 0, stopped: undefined as unknown, stop: false };
  void (async () => {
    try {
      while (!state.stop) {
        await cap.take(piece, key, signal);
        state.sent += piece;
      }
    } catch (err) {
      state.stopped = err;
    }
  })();
  return state;
}

test('off, everything goes at once', async () => {
  const cap = new BandwidthCap(new FakeClock());
  assert.equal(cap.rate, null);
  for (let i = 0; i < 100; i++) await cap.take(MIB, 'a');
});

test('a cap holds the rate within 10 % over a few seconds, whatever the piece size', async () => {
  for (const [rate, piece] of [
    [8 * MIB, MIB],
    [2 * MIB, 100 * 1024],
    [0.5 * MIB, 16 * 1024],
  ] as const) {
    const clock = new FakeClock();
    const cap = new BandwidthCap(clock);
    cap.setRate(rate);
    const s = sender(cap, 'a', piece);
    await clock.advance(3_000);
    const expected = rate * 3;
    assert.ok(
      Math.abs(s.sent - expected) <= expected * 0.1,
      `${rate / MIB} MiB/s in ${piece}-byte pieces: ${s.sent} bytes in 3 s, expected ${expected}`,
    );
    // Never ahead of the rate: a piece is granted only once it is paid for.
    assert.ok(s.sent <= expected, `${s.sent} > ${expected}`);
    s.stop = true;
  }
});

test('each key gets an equal share, however many requests it has waiting', async () => {
  const clock = new FakeClock();
  const cap = new BandwidthCap(clock);
  cap.setRate(4 * MIB);
  // Peer a has three connections asking, peer b one.
  const a = [
    sender(cap, 'a', 256 * 1024),
    sender(cap, 'a', 256 * 1024),
    sender(cap, 'a', 256 * 1024),
  ];
  const b = sender(cap, 'b', 256 * 1024);
  await clock.advance(4_000);
  const fromA = a.reduce((n, s) => n + s.sent, 0);
  assert.ok(Math.abs(fromA - b.sent) <= 256 * 1024, `a ${fromA}, b ${b.sent}`);
  assert.ok(Math.abs(fromA + b.sent - 16 * MIB) <= 1.6 * MIB);
  for (const s of [...a, b]) s.stop = true;
});

test('shares are equal in bytes, not in requests: a key asking in smaller pieces is not held back', async () => {
  const clock = new FakeClock();
  const cap = new BandwidthCap(clock);
  cap.setRate(16 * MIB);
  // At 16 MiB/s a frame is 0.8 MiB: a 1 MiB chunk goes as 0.8 + 0.2, a 32 MiB chunk as 40 × 0.8.
  const frame = cap.quantum(MIB);
  const small = { sent: 0, stop: false };
  void (async () => {
    for (let i = 0; !small.stop; i++) {
      const piece = i % 2 === 0 ? frame : MIB - frame;
      await cap.take(piece, 'small');
      small.sent += piece;
    }
  })();
  const big = sender(cap, 'big', frame);
  await clock.advance(4_000);
  assert.ok(
    Math.abs(small.sent - big.sent) <= frame,
    `small pieces ${(small.sent / MIB).toFixed(1)} MiB, big ${(big.sent / MIB).toFixed(1)} MiB`,
  );
  small.stop = true;
  big.stop = true;
});

test('a key that was idle joins at an equal share, with no backlog to make up', async () => {
  const clock = new FakeClock();
  const cap = new BandwidthCap(clock);
  cap.setRate(8 * MIB);
  const early = sender(cap, 'early', 256 * 1024);
  await clock.advance(2_000);
  const before = early.sent;
  const late = sender(cap, 'late', 256 * 1024);
  await clock.advance(2_000);
  const shared = early.sent - before;
  assert.ok(Math.abs(shared - late.sent) <= 256 * 1024, `early ${shared}, late ${late.sent}`);
  early.stop = true;
  late.stop = true;
});

test('a new rate applies at once, to those already waiting too', async () => {
  const clock = new FakeClock();
  const cap = new BandwidthCap(clock);
  cap.setRate(MIB);
  const s = sender(cap, 'a', 64 * 1024);
  await clock.advance(2_000);
  const slow = s.sent;
  assert.ok(Math.abs(slow - 2 * MIB) <= 0.2 * MIB, `${slow}`);
  cap.setRate(10 * MIB);
  await clock.advance(2_000);
  const fast = s.sent - slow;
  assert.ok(Math.abs(fast - 20 * MIB) <= 2 * MIB, `${fast}`);
  s.stop = true;
  cap.setRate(null);
  await flush();
  assert.equal(s.sent - slow - fast, 64 * 1024, 'off lets the waiter through without the clock');
});

test('a big request waits for its whole price, and an idle spell saves only a short burst', async () => {
  const clock = new FakeClock();
  const cap = new BandwidthCap(clock);
  cap.setRate(MIB);
  let granted = false;
  void cap.take(MIB, 'a').then(() => (granted = true));
  await clock.advance(999);
  assert.equal(granted, false);
  await clock.advance(1);
  assert.equal(granted, true);
  await clock.advance(60_000);
  // A minute idle: 50 ms of the rate is saved, not a minute's.
  const s = sender(cap, 'a', 1024);
  await flush();
  assert.ok(s.sent <= 0.05 * MIB + 1024, `${s.sent}`);
  s.stop = true;
});

test('an aborted wait rejects with its reason and lets the next in line go', async () => {
  const clock = new FakeClock();
  const cap = new BandwidthCap(clock);
  cap.setRate(MIB);
  const abort = new AbortController();
  const first = cap.take(MIB, 'a', abort.signal);
  let second = false;
  void cap.take(1024, 'b').then(() => (second = true));
  abort.abort(new Error('gone'));
  await assert.rejects(first, /gone/);
  await clock.advance(10);
  assert.equal(second, true, 'b no longer waits behind the megabyte a gave up');
  assert.throws(() => cap.take(1, 'a', abort.signal), /gone/);
});

test('the quantum is 50 ms of the rate, at least 16 KiB, the maximum when off', () => {
  const cap = new BandwidthCap(new FakeClock());
  assert.equal(cap.quantum(MIB), MIB);
  cap.setRate(2 * MIB);
  assert.equal(cap.quantum(MIB), Math.floor(0.1 * MIB));
  cap.setRate(0.1 * MIB);
  assert.equal(cap.quantum(MIB), 16 * 1024);
  cap.setRate(100 * MIB);
  assert.equal(cap.quantum(MIB), MIB);
  assert.throws(() => {
    cap.setRate(0);
  }, RangeError);
});
