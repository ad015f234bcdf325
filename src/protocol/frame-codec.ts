/** The frame codec: length-prefixed, typed frames carrying JSON control messages or raw data. */
import { errorMessage, LanspreadError } from '../errors.js';
import { wireMessageSchema, type WireMessage } from './messages.js';

/** u32 big-endian length (of type byte + payload), then the u8 type. */
export const FRAME_HEADER_BYTES = 5;
const LENGTH_BYTES = 4;

export const FRAME_TYPE_CONTROL = 0x01;
export const FRAME_TYPE_DATA = 0x02;

/** Largest control payload (UTF-8 JSON); a full 10,000-game library fits with room to spare. */
export const MAX_CONTROL_PAYLOAD = 4 * 1024 * 1024;
/** Largest data payload; file transfers cut their bytes into frames of at most this size. */
export const MAX_DATA_PAYLOAD = 4 * 1024 * 1024;
/** The payload senders use: large enough for few syscalls, small enough to interleave. */
export const DATA_FRAME_BYTES = 1024 * 1024;
/** Payload buffers of that size a decoder keeps for reuse (a receiver queues 8 MiB for its disk). */
const SPARE_PAYLOADS = 10;

export type DecodedFrame =
  { kind: 'control'; message: WireMessage } | { kind: 'data'; payload: Buffer };

export function encodeControlFrame(msg: WireMessage): Buffer {
  const json = Buffer.from(JSON.stringify(msg), 'utf8');
  if (json.length > MAX_CONTROL_PAYLOAD) {
    throw new LanspreadError(
      'protocol-error',
      `${msg.t} message of ${json.length} bytes exceeds the control frame limit of ${MAX_CONTROL_PAYLOAD} bytes`,
    );
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + json.length);
  frame.writeUInt32BE(1 + json.length, 0);
  frame.writeUInt8(FRAME_TYPE_CONTROL, LENGTH_BYTES);
  json.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

/** The header of a data frame; the sender writes the payload after it without copying it. */
export function encodeDataFrameHeader(payloadLength: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  writeDataFrameHeader(header, payloadLength);
  return header;
}

/** Writes a data frame's header into the first `FRAME_HEADER_BYTES` of `target`. */
export function writeDataFrameHeader(target: Buffer, payloadLength: number): void {
  if (!Number.isInteger(payloadLength) || payloadLength < 0 || payloadLength > MAX_DATA_PAYLOAD) {
    throw new LanspreadError(
      'protocol-error',
      `data payload of ${payloadLength} bytes is outside 0..${MAX_DATA_PAYLOAD} bytes`,
    );
  }
  target.writeUInt32BE(1 + payloadLength, 0);
  target.writeUInt8(FRAME_TYPE_DATA, LENGTH_BYTES);
}

interface PendingHeader {
  type: typeof FRAME_TYPE_CONTROL | typeof FRAME_TYPE_DATA;
  payloadLength: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns a byte stream into frames. It judges a frame's length from its header before taking its
 * payload, copies each payload into a buffer of its own as the bytes arrive (so the caller may
 * reuse the chunk it pushed: dialled sockets read into one static buffer), and fails for good on
 * the first bad frame.
 *
 * With `rawChunks` (the receiving end of a data connection) a `chunk` message is followed by its
 * `length` bytes unframed, and those are returned as data payloads that are views of the pushed
 * chunk, not copies: the caller must not reuse that chunk until it has recycled them.
 */
export class FrameDecoder {
  readonly #rawChunks: boolean;
  /** Unframed bytes still owed to the last `chunk` message (`rawChunks` only). */
  #rawLeft = 0;
  readonly #head = Buffer.alloc(FRAME_HEADER_BYTES);
  #headFill = 0;
  #header: PendingHeader | undefined;
  #payload: Buffer = Buffer.alloc(0);
  #payloadFill = 0;
  #failure: LanspreadError | undefined;
  readonly #spare: Buffer[] = [];

  constructor(opts: { rawChunks?: boolean } = {}) {
    this.#rawChunks = opts.rawChunks ?? false;
  }

  /**
   * Takes back a data payload this decoder returned, once its consumer is done with it: a fresh
   * megabyte per frame cost the receiver its page faults and zeroing in the kernel.
   */
  recycle(payload: Buffer): void {
    const whole = payload.byteOffset === 0 && payload.buffer.byteLength === DATA_FRAME_BYTES;
    if (whole && payload.length === DATA_FRAME_BYTES && this.#spare.length < SPARE_PAYLOADS)
      this.#spare.push(payload);
  }

  /** Feeds bytes in; returns the frames they complete, in order. Throws `protocol-error`. */
  push(chunk: Buffer): DecodedFrame[] {
    if (this.#failure !== undefined) throw this.#failure;
    try {
      return this.#decode(chunk);
    } catch (err) {
      this.#failure =
        err instanceof LanspreadError
          ? err
          : new LanspreadError('protocol-error', `cannot decode frame: ${errorMessage(err)}`, {
              cause: err,
            });
      this.#header = undefined;
      this.#payload = Buffer.alloc(0);
      throw this.#failure;
    }
  }

  #decode(chunk: Buffer): DecodedFrame[] {
    const frames: DecodedFrame[] = [];
    let at = 0;
    for (;;) {
      if (this.#rawLeft > 0) {
        const take = Math.min(this.#rawLeft, chunk.length - at);
        if (take === 0) return frames;
        frames.push({ kind: 'data', payload: chunk.subarray(at, at + take) });
        this.#rawLeft -= take;
        at += take;
        continue;
      }
      if (this.#header === undefined) {
        const take = Math.min(FRAME_HEADER_BYTES - this.#headFill, chunk.length - at);
        chunk.copy(this.#head, this.#headFill, at, at + take);
        this.#headFill += take;
        at += take;
        if (this.#headFill < FRAME_HEADER_BYTES) {
          // A zero length is already wrong with four bytes; no need to wait for a type byte.
          if (this.#headFill >= LENGTH_BYTES) checkLength(this.#head.readUInt32BE(0));
          return frames;
        }
        this.#header = parseHeader(this.#head);
        this.#headFill = 0;
        if (this.#rawChunks && this.#header.type === FRAME_TYPE_DATA)
          throw new LanspreadError('protocol-error', 'a data frame on a data connection');
        const { type, payloadLength } = this.#header;
        this.#payload =
          (type === FRAME_TYPE_DATA && payloadLength === DATA_FRAME_BYTES
            ? this.#spare.pop()
            : undefined) ?? Buffer.allocUnsafe(payloadLength);
        this.#payloadFill = 0;
      }
      const take = Math.min(this.#payload.length - this.#payloadFill, chunk.length - at);
      chunk.copy(this.#payload, this.#payloadFill, at, at + take);
      this.#payloadFill += take;
      at += take;
      if (this.#payloadFill < this.#payload.length) return frames;
      const { type } = this.#header;
      const payload = this.#payload;
      this.#header = undefined;
      this.#payload = Buffer.alloc(0);
      const frame =
        type === FRAME_TYPE_CONTROL ? decodeControl(payload) : { kind: 'data' as const, payload };
      if (this.#rawChunks && frame.kind === 'control' && frame.message.t === 'chunk')
        this.#rawLeft = frame.message.length;
      frames.push(frame);
    }
  }
}

function checkLength(length: number): void {
  if (length === 0)
    throw new LanspreadError(
      'protocol-error',
      'frame length 0: a frame holds at least its type byte',
    );
}

function parseHeader(header: Buffer): PendingHeader {
  const length = header.readUInt32BE(0);
  checkLength(length);
  const type = header.readUInt8(LENGTH_BYTES);
  const payloadLength = length - 1;
  switch (type) {
    case FRAME_TYPE_CONTROL:
      if (payloadLength > MAX_CONTROL_PAYLOAD) {
        throw new LanspreadError(
          'protocol-error',
          `control frame declares ${payloadLength} payload bytes, over the limit of ${MAX_CONTROL_PAYLOAD}`,
        );
      }
      return { type, payloadLength };
    case FRAME_TYPE_DATA:
      if (payloadLength > MAX_DATA_PAYLOAD) {
        throw new LanspreadError(
          'protocol-error',
          `data frame declares ${payloadLength} payload bytes, over the limit of ${MAX_DATA_PAYLOAD}`,
        );
      }
      return { type, payloadLength };
    default:
      throw new LanspreadError(
        'protocol-error',
        `unknown frame type 0x${type.toString(16).padStart(2, '0')}`,
      );
  }
}

function decodeControl(payload: Buffer): DecodedFrame {
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch (err) {
    throw new LanspreadError('protocol-error', 'control frame is not valid UTF-8', { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LanspreadError(
      'protocol-error',
      `control frame is not valid JSON: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  const parsed = wireMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map(
        (issue) =>
          `${issue.path.length > 0 ? issue.path.join('.') : '(message)'}: ${issue.message}`,
      )
      .join('; ');
    throw new LanspreadError(
      'protocol-error',
      `control message does not match the schema: ${issues}`,
    );
  }
  return { kind: 'control', message: parsed.data };
}
