/**
 * One connection to a remote peer, carrying framed control messages and data: a TLS connection
 * (its id proven by the key), or a plaintext data connection (its id named by a token).
 */
import type { Socket } from 'node:net';
import { errorMessage, LanspreadError, type ErrorCode } from '../errors.js';
import { shortPeerId, type PeerId } from '../ids.js';
import type { Logger } from '../logger.js';
import type { FrameBudget } from './frame-budget.js';
import {
  encodeControlFrame,
  encodeDataFrameHeader,
  FRAME_HEADER_BYTES,
  FrameDecoder,
  type DecodedFrame,
  type FrameLimits,
  type WireMessage,
  writeDataFrameHeader,
} from '../protocol/index.js';

export interface CloseInfo {
  /** `error` when the socket failed or was destroyed with an error; `closed` for any orderly end. */
  reason: 'closed' | 'error';
  error?: Error;
}

/**
 * What a connection carries: `control` and `transfer` are TLS (ALPN names them); `data` is a
 * plaintext data connection, where chunk bytes follow their `chunk` message unframed.
 */
export type ConnectionKind = 'control' | 'transfer' | 'data';

export interface ConnectionInit {
  role: ConnectionKind;
  remotePeerId: PeerId;
  remoteAddress: string;
  remotePort: number;
  inbound: boolean;
  log: Logger;
  /** Set for dialled sockets, which read into one reused buffer (`ReadFeed`). */
  feed?: ReadFeed;
  /** What frames the remote may send; the codec's largest when absent. */
  frameLimits?: FrameLimits;
  /** Shared room for half-received frames; unbounded when absent. */
  frameBudget?: FrameBudget;
}

/** TLS hands over at most one record, 16 KiB, per read. */
export const TLS_READ_BUFFER_BYTES = 16 * 1024;
/** Unasked bytes kept before anyone reads; past this the socket pauses until someone does. */
const EARLY_BYTES_LIMIT = 1024 * 1024;
/**
 * The read while a lander has no place yet (a chunk's header is still to come): this short, so
 * that little of the chunk comes with it, to be copied, and the next read lands. A full buffer
 * there took the header and ~3.7 MiB of every chunk of a two-source download, 110 MiB copied
 * per GiB, where one source's were mostly short.
 */
const UNLANDED_READ_BYTES = 64 * 1024;

/**
 * The bytes of a dialled socket, read by `onread` into one reused buffer instead of a new
 * buffer per read: on a download that allocation churn cost the receiver about a third of
 * its CPU (mostly in the garbage collector). Bytes that arrive before the connection reads are
 * copied and kept for it. The target returns false while it holds a view of the buffer: the
 * socket then pauses until the connection resumes it.
 */
export class ReadFeed {
  readonly buffer: Buffer;
  #target: ((bytes: Buffer) => boolean) | undefined;
  readonly #early: Buffer[] = [];
  #earlyBytes = 0;
  /** Where the next read should land instead of `buffer` (see `Connection.landIn`). */
  lander: (() => Buffer | undefined) | undefined;
  /** The start of `buffer`, for a read while the lander has no place yet. */
  readonly #unlanded: Buffer;

  constructor(bytes = TLS_READ_BUFFER_BYTES) {
    this.buffer = Buffer.allocUnsafe(bytes);
    this.#unlanded = this.buffer.subarray(0, Math.min(bytes, UNLANDED_READ_BYTES));
  }

  /**
   * The `onread` buffer function: Node asks it, after each read, where the next read goes (a
   * plain socket only; TLS reads into `buffer`).
   */
  readonly nextBuffer = (): Buffer =>
    this.lander === undefined ? this.buffer : (this.lander() ?? this.#unlanded);

  /** The `onread` callback; the bytes are valid only during the call. Returning false pauses. */
  readonly callback = (nread: number, buf: Uint8Array): boolean => {
    const bytes = Buffer.from(buf.buffer, buf.byteOffset, nread);
    if (this.#target !== undefined) return this.#target(bytes);
    this.#early.push(Buffer.from(bytes));
    this.#earlyBytes += nread;
    return this.#earlyBytes < EARLY_BYTES_LIMIT;
  };

  attach(target: (bytes: Buffer) => boolean): void {
    this.#target = target;
    for (const bytes of this.#early.splice(0)) target(bytes);
  }
}

/** How long a graceful close waits for the remote to end its side before the socket is destroyed. */
const CLOSE_LINGER_MS = 5_000;
/** A refused remote gets this long to read why before its socket is destroyed. */
const REFUSE_LINGER_MS = 1_000;

/**
 * Made by `Transport` once TLS has proven the remote's id. Reading starts with the first
 * `onMessage` or `onData` subscriber, so nothing that arrives before anyone listens is lost.
 * After `close()` or `destroy()` nothing more is delivered or sent; `onClose` fires exactly once.
 */
export class Connection {
  /** What the dialer opened this connection for (TLS ALPN, or a data connection's magic). */
  readonly role: ConnectionKind;
  readonly remotePeerId: PeerId;
  /** IP address of the remote; an IPv4-mapped IPv6 address is given as plain IPv4. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** True when the remote dialled us. */
  readonly inbound: boolean;

  readonly #socket: Socket;
  readonly #feed: ReadFeed | undefined;
  readonly #log: Logger;
  readonly #decoder: FrameDecoder;
  /** The serving end of a data connection: data frames go out as their bare payload. */
  readonly #unframedOut: boolean;
  /** The receiving end of a data connection: a data payload is a view of the feed's buffer. */
  readonly #unframedIn: boolean;
  /** A payload is with a listener: reading waits until it is recycled. */
  #held = false;
  #paused = false;
  readonly #messageListeners = new Set<(msg: WireMessage) => void>();
  readonly #dataListeners = new Set<(payload: Buffer) => void>();
  readonly #closeListeners = new Set<(info: CloseInfo) => void>();
  #reading = false;
  #ending = false;
  #error: Error | undefined;
  #closeInfo: CloseInfo | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;

  constructor(socket: Socket, init: ConnectionInit) {
    this.#socket = socket;
    this.role = init.role;
    this.remotePeerId = init.remotePeerId;
    this.remoteAddress = init.remoteAddress;
    this.remotePort = init.remotePort;
    this.inbound = init.inbound;
    this.#log = init.log;
    this.#feed = init.feed;
    const budget = init.frameBudget;
    const holder = {
      evict: () => {
        this.refuse(
          'peer-over-budget',
          'dropped: this connection held the oldest of the largest frames when the frames all connections may buffer ran out',
        );
      },
    };
    this.#unframedOut = init.role === 'data' && init.inbound;
    this.#unframedIn = init.role === 'data' && !init.inbound;
    this.#decoder = new FrameDecoder({
      rawChunks: this.#unframedIn,
      ...(init.frameLimits === undefined ? {} : { limits: init.frameLimits }),
      ...(budget === undefined
        ? {}
        : {
            reservations: {
              reserve: (bytes) => budget.reserve(holder, bytes),
              release: () => {
                budget.release(holder);
              },
            },
          }),
    });
    socket.setNoDelay(true);
    // Liveness is the peer session's pings, not TCP keep-alive.
    socket.setKeepAlive(false);
    socket.on('error', (err: Error) => {
      this.#onSocketError(err);
    });
    socket.once('close', () => {
      this.#onSocketClose();
    });
  }

  get closed(): boolean {
    return this.#closeInfo !== undefined;
  }

  /** Subscribes to control messages; returns the unsubscribe function. */
  onMessage(listener: (msg: WireMessage) => void): () => void {
    return this.#subscribe(this.#messageListeners, listener);
  }

  /** Subscribes to data frame payloads (file transfers); returns the unsubscribe function. */
  onData(listener: (payload: Buffer) => void): () => void {
    return this.#subscribe(this.#dataListeners, listener);
  }

  /** Fires once when the connection has closed, however it closed; at once if it already has. */
  onClose(listener: (info: CloseInfo) => void): () => void {
    const info = this.#closeInfo;
    if (info !== undefined) {
      let subscribed = true;
      queueMicrotask(() => {
        if (subscribed) listener(info);
      });
      return () => {
        subscribed = false;
      };
    }
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /** Sends one control message; a no-op once the connection is closing. */
  send(msg: WireMessage): void {
    if (!this.#writable()) return;
    this.#socket.write(encodeControlFrame(msg));
  }

  /**
   * Tells the remote why in an `error` message, then closes: what a remote over a budget hears.
   * Nothing it sends afterwards is read.
   */
  refuse(code: ErrorCode, message: string): void {
    if (!this.#writable()) return;
    this.#log.warn({ ...this.#where(), code, reason: message }, 'refusing connection');
    this.send({ t: 'error', code, message });
    this.#error ??= new LanspreadError(code, message);
    this.close(REFUSE_LINGER_MS);
    // The frame it was sending will never be read: its buffer goes now, not at the close.
    this.#decoder.dispose();
  }

  /**
   * Sends one data frame without copying `payload` (do not reuse it). Returns false when the
   * socket's buffer is full: wait for `drained()` before the next frame.
   */
  sendData(payload: Buffer): boolean {
    if (!this.#writable()) return true;
    const header = encodeDataFrameHeader(payload.length);
    this.#socket.cork();
    this.#socket.write(header);
    const room = this.#socket.write(payload);
    this.#socket.uncork();
    return room;
  }

  /**
   * Sends a data frame built in place: `frame` is `FRAME_HEADER_BYTES` of room for the header (written
   * here), then the payload. `written` runs once the socket is done with `frame`, which may then be
   * reused: a sender that recycles its buffers spares the garbage collector a buffer per frame.
   * On a data connection only the payload goes out (its `chunk` message said how much follows).
   */
  sendDataFrame(frame: Buffer, written: () => void): void {
    if (!this.#writable()) {
      queueMicrotask(written);
      return;
    }
    const payload = frame.length - FRAME_HEADER_BYTES;
    if (!this.#unframedOut) writeDataFrameHeader(frame, payload);
    this.#socket.write(this.#unframedOut ? frame.subarray(FRAME_HEADER_BYTES) : frame, () => {
      written();
    });
  }

  /**
   * Gives a data payload back once its consumer no longer holds it: for reuse (see FrameDecoder),
   * or, on a data connection, so that the socket reads into its buffer again.
   */
  recycle(payload: Buffer): void {
    if (!this.#unframedIn) {
      this.#decoder.recycle(payload);
      return;
    }
    this.#held = false;
    if (this.#reading && !this.#paused) this.#socket.resume();
  }

  /**
   * On the receiving end of a data connection, lets `lander` say where the socket's next read
   * goes: a view that a chunk's raw bytes land in, so they need no copy out of the read buffer
   * (`undefined`: the read buffer). It is asked right after each read, while that read's payload is
   * still held, so it tells where the bytes after that payload go; the socket reads into it only
   * once that payload is recycled. Such a view must stay unused by anything else until the
   * connection reads into it or is destroyed: a request that ends early destroys its connection
   * (`TransferClient`) before it lets the view go.
   */
  landIn(lander: (() => Buffer | undefined) | undefined): void {
    if (this.#unframedIn && this.#feed !== undefined) this.#feed.lander = lander;
  }

  /** Bytes written but not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.#socket.writableLength;
  }

  /**
   * Resolves when the socket can take more data, or the connection closed. Rejects with `timeout`
   * when no queued byte went out for `stallMs`: a receiver that reads nothing must not hold the
   * sender, and the buffers it filled, for as long as it likes.
   */
  drained(stallMs: number): Promise<void> {
    if (!this.#writable() || !this.#socket.writableNeedDrain) return Promise.resolve();
    const socket = this.#socket;
    return new Promise((resolve, reject) => {
      let queued = socket.writableLength;
      let movedAt = Date.now();
      // Frames leave the queue whole, so progress shows as a shorter queue now and then.
      const watch = setInterval(
        () => {
          const now = Date.now();
          if (socket.writableLength < queued) {
            queued = socket.writableLength;
            movedAt = now;
          } else if (now - movedAt >= stallMs) {
            finish();
            reject(
              new LanspreadError('timeout', `the remote took no data for ${stallMs / 1000} s`),
            );
          }
        },
        Math.max(10, Math.min(1_000, stallMs / 10)),
      );
      const done = (): void => {
        finish();
        resolve();
      };
      const finish = (): void => {
        clearInterval(watch);
        socket.off('drain', done);
        socket.off('close', done);
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  /** Stops reading from the socket (the receiver's disk is behind); frames already decoded still arrive. */
  pause(): void {
    this.#paused = true;
    this.#socket.pause();
  }

  resume(): void {
    this.#paused = false;
    if (this.#reading && !this.#held) this.#socket.resume();
  }

  /**
   * Ends the connection after what was sent is flushed; the remote's end completes the close,
   * or after `lingerMs` the socket is destroyed.
   */
  close(lingerMs = CLOSE_LINGER_MS): void {
    if (this.#ending || this.#closeInfo !== undefined) return;
    this.#ending = true;
    // The remote's end must be read for the socket to close, so read even without subscribers.
    this.#startReading();
    this.#socket.end();
    this.#lingerTimer = setTimeout(() => {
      this.#log.debug(this.#where(), 'remote did not end the connection in time; destroying it');
      this.#socket.destroy();
    }, lingerMs);
    this.#lingerTimer.unref();
  }

  /** Drops the connection at once; with `err` the close is reported as an error. */
  destroy(err?: Error): void {
    if (this.#closeInfo !== undefined) return;
    this.#ending = true;
    if (err !== undefined) this.#error ??= err;
    this.#socket.destroy();
  }

  #subscribe<T>(listeners: Set<(value: T) => void>, listener: (value: T) => void): () => void {
    if (this.#closeInfo !== undefined) return () => undefined;
    listeners.add(listener);
    this.#startReading();
    return () => listeners.delete(listener);
  }

  #open(): boolean {
    return !this.#ending && this.#closeInfo === undefined;
  }

  #writable(): boolean {
    return this.#open() && this.#socket.writable;
  }

  #startReading(): void {
    if (this.#reading) return;
    this.#reading = true;
    if (this.#feed === undefined) {
      this.#socket.on('data', (chunk: Buffer) => {
        this.#onChunk(chunk);
      });
      // A data connection's socket was paused while its first bytes were read.
      this.#socket.resume();
      return;
    }
    this.#feed.attach((chunk) => {
      this.#onChunk(chunk);
      return !this.#held;
    });
    // The feed may have paused the socket while nobody read.
    this.#socket.resume();
  }

  #onChunk(chunk: Buffer): void {
    // A closing connection delivers nothing more, so what still arrives needs no decoding.
    if (this.#ending) return;
    let frames: DecodedFrame[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (err) {
      if (err instanceof LanspreadError && err.code === 'peer-over-budget') {
        this.refuse(err.code, err.message);
        return;
      }
      const error =
        err instanceof Error ? err : new LanspreadError('protocol-error', errorMessage(err));
      this.#log.warn(
        { ...this.#where(), reason: error.message },
        'closing connection: malformed frame',
      );
      this.destroy(error);
      return;
    }
    for (const frame of frames) {
      // A listener of an earlier frame may have closed the connection.
      if (!this.#open()) return;
      if (frame.kind === 'control') {
        this.#deliver(this.#messageListeners, frame.message);
        continue;
      }
      if (this.#unframedIn) this.#held = true;
      this.#deliver(this.#dataListeners, frame.payload);
    }
  }

  #deliver<T>(listeners: Set<(value: T) => void>, value: T): void {
    for (const listener of [...listeners]) {
      try {
        listener(value);
      } catch (err) {
        // A listener's bug must not pass as the remote's fault, nor take the process down.
        this.#log.error(
          { ...this.#where(), err: errorMessage(err) },
          'connection listener threw; closing the connection',
        );
        this.destroy(err instanceof Error ? err : new Error(errorMessage(err)));
        return;
      }
    }
  }

  #onSocketError(err: Error): void {
    this.#error ??= err;
    // A TLS socket that failed a record (bad MAC: bytes altered in transit) is not always closed
    // by Node; nothing more can be read from it, so close it now rather than at a stall timeout.
    this.#socket.destroy();
    if (isTlsError(err)) {
      this.#log.warn({ ...this.#where(), reason: err.message }, 'closing connection: TLS error');
    } else {
      this.#log.debug({ ...this.#where(), reason: err.message }, 'connection error');
    }
  }

  #onSocketClose(): void {
    if (this.#lingerTimer !== undefined) clearTimeout(this.#lingerTimer);
    this.#decoder.dispose();
    const info: CloseInfo =
      this.#error === undefined ? { reason: 'closed' } : { reason: 'error', error: this.#error };
    this.#closeInfo = info;
    const listeners = [...this.#closeListeners];
    this.#closeListeners.clear();
    this.#messageListeners.clear();
    this.#dataListeners.clear();
    for (const listener of listeners) {
      try {
        listener(info);
      } catch (err) {
        this.#log.error({ ...this.#where(), err: errorMessage(err) }, 'close listener threw');
      }
    }
  }

  #where(): { remote_address: string; remote_port: number; peer: string } {
    return {
      remote_address: this.remoteAddress,
      remote_port: this.remotePort,
      peer: shortPeerId(this.remotePeerId),
    };
  }
}

function isTlsError(err: Error): boolean {
  return 'code' in err && typeof err.code === 'string' && err.code.startsWith('ERR_SSL');
}
