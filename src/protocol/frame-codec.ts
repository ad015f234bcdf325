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
/**
 * Largest first control frame of a control connection, its `hello`: the longest hello the schema
 * allows (10,000 games with 64-character ids, 64-character versions all escaped, the largest
 * sizes; a 64-character name all escaped) encodes to 2,930,534 bytes. A peer that has not yet
 * said who it is gets no more room than that.
 */
export const MAX_HELLO_PAYLOAD = 3 * 1024 * 1024;
/** Largest request a serving connection takes: a `get-chunk` with a 1,024-character path is under 8 KiB. */
export const MAX_REQUEST_PAYLOAD = 64 * 1024;

/** The largest payloads a decoder accepts; a frame declaring more is a protocol error. */
export interface FrameLimits {
  readonly control: number;
  readonly data: number;
  /** The first control frame's limit when it is smaller (a control connection's hello). */
  readonly firstControl?: number;
}

export const DEFAULT_FRAME_LIMITS: FrameLimits = {
  control: MAX_CONTROL_PAYLOAD,
  data: MAX_DATA_PAYLOAD,
};

/**
 * Room for the payload of a frame being received, granted from outside (a budget shared by
 * connections). `reserve` returning false fails the decoder with `peer-over-budget`.
 */
export interface FrameReservations {
  reserve(bytes: number): boolean;
  /** Gives back what the last `reserve` got; a no-op when nothing is held. */
  release(): void;
}

export interface FrameDecoderOptions {
  limits?: FrameLimits;
  reservations?: FrameReservations;
  /** The receiving end of a data connection: chunk bytes follow a `chunk` message unframed. */
  rawChunks?: boolean;
}

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
  readonly #limits: FrameLimits;
  readonly #reservations: FrameReservations | undefined;
  #controlFrames = 0;
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

  constructor(opts: FrameDecoderOptions = {}) {
    this.#limits = opts.limits ?? DEFAULT_FRAME_LIMITS;
    this.#reservations = opts.reservations;
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
      this.#reservations?.release();
      throw this.#failure;
    }
  }

  /** Drops the frame being received and gives back its room (the connection closed). */
  dispose(): void {
    this.#failure ??= new LanspreadError('protocol-error', 'the decoder was disposed');
    this.#header = undefined;
    this.#payload = Buffer.alloc(0);
    this.#reservations?.release();
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
        this.#header = this.#parseHeader();
        this.#headFill = 0;
        if (this.#rawChunks && this.#header.type === FRAME_TYPE_DATA)
          throw new LanspreadError('protocol-error', 'a data frame on a data connection');
        const { type, payloadLength } = this.#header;
        if (this.#reservations?.reserve(payloadLength) === false) {
          throw new LanspreadError(
            'peer-over-budget',
            `a frame of ${payloadLength} bytes does not fit into the bytes all connections may buffer`,
          );
        }
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
      this.#reservations?.release();
      const frame =
        type === FRAME_TYPE_CONTROL ? decodeControl(payload) : { kind: 'data' as const, payload };
      if (this.#rawChunks && frame.kind === 'control' && frame.message.t === 'chunk')
        this.#rawLeft = frame.message.length;
      frames.push(frame);
    }
  }

  #parseHeader(): PendingHeader {
    const length = this.#head.readUInt32BE(0);
    checkLength(length);
    const type = this.#head.readUInt8(LENGTH_BYTES);
    const payloadLength = length - 1;
    switch (type) {
      case FRAME_TYPE_CONTROL: {
        const first = this.#controlFrames++ === 0;
        const limit = (first ? this.#limits.firstControl : undefined) ?? this.#limits.control;
        checkPayload('control', payloadLength, limit);
        return { type, payloadLength };
      }
      case FRAME_TYPE_DATA:
        checkPayload('data', payloadLength, this.#limits.data);
        return { type, payloadLength };
      default:
        throw new LanspreadError(
          'protocol-error',
          `unknown frame type 0x${type.toString(16).padStart(2, '0')}`,
        );
    }
  }
}

function checkPayload(kind: 'control' | 'data', payloadLength: number, limit: number): void {
  if (payloadLength > limit) {
    throw new LanspreadError(
      'protocol-error',
      `${kind} frame declares ${payloadLength} payload bytes, over the limit of ${limit}`,
    );
  }
}

function checkLength(length: number): void {
  if (length === 0)
    throw new LanspreadError(
      'protocol-error',
      'frame length 0: a frame holds at least its type byte',
    );
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
