import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LanspreadError } from '../../../src/errors.js';
import {
  DATA_FRAME_BYTES,
  encodeControlFrame,
  encodeDataFrameHeader,
  FrameDecoder,
  MAX_CONTROL_PAYLOAD,
  MAX_DATA_PAYLOAD,
  MAX_HELLO_PAYLOAD,
  MAX_LIBRARY_GAMES,
  PROTOCOL_VERSION,
  type DecodedFrame,
  type WireMessage,
} from '../../../src/protocol/index.js';

const PEER_ID = 'ab'.repeat(32);

const game = {
  id: 'cnctw',
  version: '20250101',
  downloaded: true,
  installed: false,
  servable: true,
  size: 1_234_567,
};

/** One of every message kind, built from the literal shapes so a new kind shows up here. */
const everyKind = [
  {
    t: 'hello',
    protocol: PROTOCOL_VERSION,
    software: '0.1.0',
    peer_id: PEER_ID,
    name: 'Zoë — LAN 🎮',
    listen_port: 41_000,
    library: [
      game,
      { ...game, id: 'quake3', version: null, downloaded: false, servable: false, size: 0 },
    ],
  },
  { t: 'library-delta', upsert: [game], remove: ['ut2004'] },
  { t: 'ping', seq: 7 },
  { t: 'pong', seq: 7 },
  { t: 'goodbye' },
  { t: 'error', code: 'protocol-error', message: 'bad things' },
] as unknown as WireMessage[];

/** A frame with any type byte and payload, for inputs the encoder would never make. */
function rawFrame(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(payload.length + 1, 0);
  header.writeUInt8(type, 4);
  return Buffer.concat([header, payload]);
}

function dataFrame(payload: Buffer): Buffer {
  return Buffer.concat([encodeDataFrameHeader(payload.length), payload]);
}

function rejectsWith(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof LanspreadError, `a LanspreadError, got ${String(err)}`);
    assert.equal(err.code, 'protocol-error');
    assert.match(err.message, pattern);
    return true;
  });
}

/** `length` bytes that differ with `seed`. */
function noisy(length: number, seed: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed * 17) % 251));
}

test('every message kind round-trips through a control frame', () => {
  assert.deepEqual(new Set(everyKind.map((m) => m.t)).size, 6);
  for (const msg of everyKind) {
    const frames = new FrameDecoder().push(encodeControlFrame(msg));
    assert.deepEqual(frames, [{ kind: 'control', message: msg }]);
  }
});

test('a data frame round-trips its payload', () => {
  const payload = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31) % 256));
  const frames = new FrameDecoder().push(dataFrame(payload));
  assert.equal(frames.length, 1);
  const frame = frames[0]!;
  assert.ok(frame.kind === 'data' && frame.payload.equals(payload));
});

test('frames never alias the pushed bytes: a caller may reuse its read buffer at once', () => {
  const payload = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));
  const stream = Buffer.concat([dataFrame(payload), dataFrame(payload)]);
  const decoder = new FrameDecoder();
  const reused = Buffer.alloc(1024);
  const frames = [];
  for (let at = 0; at < stream.length; at += reused.length) {
    const n = stream.copy(reused, 0, at, at + reused.length);
    frames.push(...decoder.push(reused.subarray(0, n)));
    reused.fill(0xee);
  }
  assert.equal(frames.length, 2);
  for (const frame of frames) assert.ok(frame.kind === 'data' && frame.payload.equals(payload));
});

test('a recycled 1 MiB payload carries the next 1 MiB frame; other buffers are never taken back', () => {
  const decoder = new FrameDecoder();
  const first = noisy(DATA_FRAME_BYTES, 1);
  const [a] = decoder.push(dataFrame(first));
  assert.ok(a?.kind === 'data' && a.payload.equals(first));
  decoder.recycle(a.payload);
  const second = noisy(DATA_FRAME_BYTES, 2);
  const [b] = decoder.push(dataFrame(second));
  assert.ok(b?.kind === 'data' && b.payload.equals(second));
  assert.equal(b.payload, a.payload, 'the recycled buffer is reused');
  // A slice, or a buffer of another size, is not ours to reuse.
  decoder.recycle(b.payload.subarray(1));
  decoder.recycle(Buffer.alloc(DATA_FRAME_BYTES * 2).subarray(0, DATA_FRAME_BYTES));
  const [c] = decoder.push(dataFrame(first));
  assert.ok(c?.kind === 'data' && c.payload.equals(first));
  assert.notEqual(c.payload, b.payload);
});

test('an empty data frame is allowed', () => {
  assert.deepEqual(new FrameDecoder().push(dataFrame(Buffer.alloc(0))), [
    { kind: 'data', payload: Buffer.alloc(0) },
  ]);
});

test('frames fed one byte at a time decode once each is complete', () => {
  const stream = Buffer.concat([
    ...everyKind.map((m) => encodeControlFrame(m)),
    dataFrame(Buffer.from('xyz')),
  ]);
  const decoder = new FrameDecoder();
  const frames: DecodedFrame[] = [];
  for (let i = 0; i < stream.length; i++) frames.push(...decoder.push(stream.subarray(i, i + 1)));
  assert.equal(frames.length, everyKind.length + 1);
  assert.deepEqual(
    frames.slice(0, everyKind.length).map((f) => (f.kind === 'control' ? f.message : undefined)),
    everyKind,
  );
  const last = frames.at(-1)!;
  assert.ok(last.kind === 'data' && last.payload.toString() === 'xyz');
});

test('several frames in one chunk all decode, in order', () => {
  const stream = Buffer.concat(everyKind.map((m) => encodeControlFrame(m)));
  const frames = new FrameDecoder().push(stream);
  assert.deepEqual(
    frames.map((f) => (f.kind === 'control' ? f.message.t : f.kind)),
    everyKind.map((m) => m.t),
  );
});

test('a frame split at every possible byte decodes the same', () => {
  const frame = encodeControlFrame(everyKind[0]!);
  for (let cut = 0; cut <= frame.length; cut++) {
    const decoder = new FrameDecoder();
    const frames = [...decoder.push(frame.subarray(0, cut)), ...decoder.push(frame.subarray(cut))];
    assert.deepEqual(frames, [{ kind: 'control', message: everyKind[0] }], `cut at ${cut}`);
  }
});

test('a truncated frame yields nothing and no error until it is completed', () => {
  const frame = encodeControlFrame({ t: 'ping', seq: 1 });
  const decoder = new FrameDecoder();
  assert.deepEqual(decoder.push(frame.subarray(0, 3)), []);
  assert.deepEqual(decoder.push(frame.subarray(3, frame.length - 1)), []);
  assert.deepEqual(decoder.push(frame.subarray(frame.length - 1)), [
    { kind: 'control', message: { t: 'ping', seq: 1 } },
  ]);
});

test('an oversized control header is rejected before its payload arrives', () => {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(MAX_CONTROL_PAYLOAD + 2, 0);
  header.writeUInt8(0x01, 4);
  rejectsWith(
    () => new FrameDecoder().push(header),
    /control frame declares 4194305 payload bytes, over the limit of 4194304/,
  );
});

test('an oversized data header is rejected before its payload arrives', () => {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(0xffffffff, 0);
  header.writeUInt8(0x02, 4);
  rejectsWith(
    () => new FrameDecoder().push(header),
    /data frame declares \d+ payload bytes, over the limit/,
  );
});

test('frames exactly at the limits are accepted', () => {
  const decoder = new FrameDecoder();
  const big = Buffer.alloc(MAX_DATA_PAYLOAD, 7);
  const frames = decoder.push(dataFrame(big));
  assert.ok(frames[0]?.kind === 'data' && frames[0].payload.length === MAX_DATA_PAYLOAD);
  const header = Buffer.alloc(5);
  header.writeUInt32BE(MAX_CONTROL_PAYLOAD + 1, 0);
  header.writeUInt8(0x01, 4);
  assert.deepEqual(new FrameDecoder().push(header), []);
});

test('a frame length of 0 is rejected as soon as the length is read', () => {
  rejectsWith(() => new FrameDecoder().push(Buffer.alloc(4)), /frame length 0/);
});

test('an unknown frame type is rejected', () => {
  rejectsWith(
    () => new FrameDecoder().push(rawFrame(0x7f, Buffer.from('{}'))),
    /unknown frame type 0x7f/,
  );
});

test('a control payload that is not JSON is rejected', () => {
  rejectsWith(
    () => new FrameDecoder().push(rawFrame(0x01, Buffer.from('{"t":"ping",'))),
    /not valid JSON/,
  );
  rejectsWith(() => new FrameDecoder().push(rawFrame(0x01, Buffer.alloc(0))), /not valid JSON/);
});

test('a control payload that is not UTF-8 is rejected', () => {
  rejectsWith(
    () => new FrameDecoder().push(rawFrame(0x01, Buffer.from([0x22, 0xff, 0xfe, 0x22]))),
    /not valid UTF-8/,
  );
});

test('a message failing the schema is rejected, naming the field', () => {
  const hello = { ...(everyKind[0] as object), peer_id: 'not-a-peer-id' };
  rejectsWith(
    () => new FrameDecoder().push(rawFrame(0x01, Buffer.from(JSON.stringify(hello)))),
    /peer_id: not a peer id/,
  );
  rejectsWith(
    () => new FrameDecoder().push(rawFrame(0x01, Buffer.from('{"t":"shout"}'))),
    /does not match the schema/,
  );
  rejectsWith(
    () => new FrameDecoder().push(rawFrame(0x01, Buffer.from('{"t":"ping","seq":1,"extra":true}'))),
    /does not match the schema/,
  );
});

test('after an error the decoder stays failed', () => {
  const decoder = new FrameDecoder();
  rejectsWith(() => decoder.push(rawFrame(0x09, Buffer.from('x'))), /unknown frame type/);
  rejectsWith(() => decoder.push(encodeControlFrame({ t: 'goodbye' })), /unknown frame type/);
});

test('the encoders refuse what the decoder would refuse', () => {
  assert.throws(() => encodeDataFrameHeader(MAX_DATA_PAYLOAD + 1), { code: 'protocol-error' });
  assert.throws(() => encodeDataFrameHeader(-1), { code: 'protocol-error' });
  const huge = { t: 'error', code: 'x', message: 'y'.repeat(MAX_CONTROL_PAYLOAD) } as WireMessage;
  assert.throws(() => encodeControlFrame(huge), { code: 'protocol-error' });
});

test('the longest hello the schema allows fits the first-frame limit of a control connection', () => {
  const library = Array.from({ length: MAX_LIBRARY_GAMES }, (_, i) => ({
    id: `${i.toString().padStart(5, '0')}-${'x'.repeat(58)}`,
    // Every character JSON escapes doubles: the longest version encoding there is.
    version: '"'.repeat(64),
    downloaded: false,
    installed: false,
    servable: false,
    size: Number.MAX_SAFE_INTEGER,
  }));
  const hello = {
    t: 'hello',
    protocol: PROTOCOL_VERSION,
    software: '9'.repeat(32),
    peer_id: PEER_ID,
    name: '\u0001'.repeat(64),
    listen_port: 65_535,
    library,
  } as unknown as WireMessage;
  const frame = encodeControlFrame(hello);
  const decoded = new FrameDecoder({
    limits: { control: MAX_CONTROL_PAYLOAD, data: 0, firstControl: MAX_HELLO_PAYLOAD },
  }).push(frame);
  assert.equal(decoded[0]?.kind, 'control');
  assert.ok(frame.length - 5 <= MAX_HELLO_PAYLOAD, `${frame.length - 5} bytes`);
  assert.ok(frame.length - 5 > MAX_HELLO_PAYLOAD * 0.9, 'the limit is near the real maximum');
});

test('the first control frame has its own limit; later ones the usual one', () => {
  const limits = { control: 1000, data: 0, firstControl: 100 };
  const header = (payload: number, type = 0x01): Buffer => {
    const bytes = Buffer.alloc(5);
    bytes.writeUInt32BE(payload + 1, 0);
    bytes.writeUInt8(type, 4);
    return bytes;
  };
  rejectsWith(
    () => new FrameDecoder({ limits }).push(header(101)),
    /control frame declares 101 payload bytes, over the limit of 100/,
  );
  const decoder = new FrameDecoder({ limits });
  decoder.push(encodeControlFrame({ t: 'goodbye' }));
  assert.deepEqual(decoder.push(header(1000)), []);
  rejectsWith(
    () => new FrameDecoder({ limits }).push(header(1, 0x02)),
    /data frame declares 1 payload bytes, over the limit of 0/,
  );
});

test('each frame reserves its payload before buffering it and releases it once decoded', () => {
  const calls: string[] = [];
  let allow = true;
  const decoder = new FrameDecoder({
    reservations: {
      reserve: (bytes) => {
        calls.push(`reserve ${bytes}`);
        return allow;
      },
      release: () => calls.push('release'),
    },
  });
  const ping = encodeControlFrame({ t: 'ping', seq: 1 });
  decoder.push(ping.subarray(0, 8));
  assert.deepEqual(calls, [`reserve ${ping.length - 5}`]);
  assert.equal(decoder.push(ping.subarray(8)).length, 1);
  assert.deepEqual(calls.slice(1), ['release']);
  // Refused room fails the decoder with peer-over-budget, before any payload is kept.
  allow = false;
  assert.throws(() => decoder.push(ping), { code: 'peer-over-budget' });
  assert.throws(() => decoder.push(ping), { code: 'peer-over-budget' }, 'stays failed');
});

test('disposing a decoder mid-frame releases its room', () => {
  let held = 0;
  const decoder = new FrameDecoder({
    reservations: {
      reserve: (bytes) => {
        held = bytes;
        return true;
      },
      release: () => {
        held = 0;
      },
    },
  });
  decoder.push(encodeControlFrame({ t: 'ping', seq: 1 }).subarray(0, 7));
  assert.ok(held > 0);
  decoder.dispose();
  assert.equal(held, 0);
});
test('a data connection: a chunk message is followed by its bytes unframed, as views of the read', () => {
  const chunk = {
    t: 'chunk',
    game: 'cnctw',
    path: 'data/a.bin',
    offset: 0,
    length: 10,
  } as WireMessage;
  const bytes = noisy(10, 3);
  const refused = { t: 'refused', code: 'serve-bad-path', message: 'no' } as WireMessage;
  const stream = Buffer.concat([
    encodeControlFrame(chunk),
    bytes,
    encodeControlFrame(refused),
    encodeControlFrame(chunk),
    bytes,
  ]);
  const decoder = new FrameDecoder({ rawChunks: true });
  // Cut so that a read holds the end of a message and the start of its bytes.
  const cut = encodeControlFrame(chunk).length + 4;
  const first = stream.subarray(0, cut);
  const frames = [...decoder.push(first), ...decoder.push(stream.subarray(cut))];
  assert.deepEqual(
    frames.map((f) => (f.kind === 'control' ? f.message.t : f.payload.toString('hex'))),
    [
      'chunk',
      bytes.subarray(0, 4).toString('hex'),
      bytes.subarray(4).toString('hex'),
      'refused',
      'chunk',
      bytes.toString('hex'),
    ],
  );
  const view = frames[1];
  assert.ok(view?.kind === 'data' && view.payload.buffer === first.buffer, 'not a copy');
});

test('a data connection carries no data frames', () => {
  rejectsWith(
    () => new FrameDecoder({ rawChunks: true }).push(dataFrame(Buffer.from('x'))),
    /data frame on a data connection/,
  );
});
