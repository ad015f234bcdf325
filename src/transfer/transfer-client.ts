/** The receiving side of one transfer connection: asks for a manifest or a chunk and takes the answer. */
import { ERRORS, LanspreadError, type ErrorCode } from '../errors.js';
import type { GameId, GameVersion } from '../ids.js';
import type { Connection } from '../net/index.js';
import type { BandwidthCap } from './bandwidth-cap.js';
import type { Manifest, StreamEntry, StreamPlan, WireMessage } from '../protocol/index.js';

/** Pause reading from the socket while this many received bytes wait to be written. */
const MAX_QUEUED_WRITE_BYTES = 8 * 1024 * 1024;
/**
 * A source that sends nothing for this long is treated as gone; time spent waiting on our own
 * disk does not count (the paused socket would otherwise blame the source for it).
 */
const STALL_TIMEOUT_MS = 30_000;

/** Takes a chunk's bytes in order; each call is awaited before the next (backpressure). */
export type ChunkSink = (bytes: Buffer) => Promise<void>;

/** Where a chunk's bytes from `position` (at most `max` of them) may be read into; see `ChunkWriter.landing`. */
export type ChunkLanding = (position: number, max: number) => Buffer | undefined;

/** Takes a streamed install in order; each call is awaited before the next (backpressure). */
export interface StreamReceiver {
  plan(plan: StreamPlan): Promise<void>;
  beginEntry(entry: StreamEntry): Promise<void>;
  /** `bytes` are the caller's again (reused for a later frame) once the returned promise settles. */
  write(bytes: Buffer): Promise<void>;
  /** `crc32` is what the sender computed over the bytes it sent. */
  endEntry(crc32: number): Promise<void>;
}

export class TransferClient {
  readonly connection: Connection;
  #pending:
    | {
        onMessage: (msg: WireMessage) => void;
        onData: (buf: Buffer) => void;
        fail: (err: Error) => void;
      }
    | undefined;

  readonly #stallTimeoutMs: number;
  /** The download cap every received chunk and streamed byte passes before it is written. */
  readonly #cap: BandwidthCap | undefined;
  /** A refusal that came before any request (the connection itself was over the budget). */
  #refusal: LanspreadError | undefined;

  constructor(
    connection: Connection,
    opts: { stallTimeoutMs?: number; downloadCap?: BandwidthCap } = {},
  ) {
    this.connection = connection;
    this.#stallTimeoutMs = opts.stallTimeoutMs ?? STALL_TIMEOUT_MS;
    this.#cap = opts.downloadCap;
    connection.onMessage((msg) => {
      if (this.#pending !== undefined) this.#pending.onMessage(msg);
      else if (msg.t === 'refused') {
        // The server refuses a connection over its budget as soon as it is open: the request
        // made on it fails with that refusal, not with a bare close.
        this.#refusal = unexpected(msg);
        connection.destroy(this.#refusal);
      } else connection.destroy(new LanspreadError('protocol-error', `unasked ${msg.t}`));
    });
    connection.onData((buf) => {
      if (this.#pending === undefined)
        connection.destroy(new LanspreadError('protocol-error', 'unasked data'));
      else this.#pending.onData(buf);
    });
    connection.onClose((info) => {
      this.#pending?.fail(this.#closedError(info.error));
    });
  }

  #closedError(cause: Error | undefined): LanspreadError {
    return (
      this.#refusal ??
      new LanspreadError(
        'download-failed',
        `source closed the connection${cause ? `: ${cause.message}` : ''}`,
      )
    );
  }

  get closed(): boolean {
    return this.connection.closed;
  }

  async getManifest(
    game: GameId,
    version: GameVersion,
    chunkSize: number,
    signal: AbortSignal,
  ): Promise<Manifest> {
    return this.#request(signal, (resolve, fail) => {
      this.connection.send({ t: 'get-manifest', game, version, chunk_size: chunkSize });
      return {
        onMessage: (msg) => {
          if (msg.t === 'manifest') resolve(msg);
          else fail(unexpected(msg));
        },
        onData: () => {
          fail(new LanspreadError('protocol-error', 'data frame instead of a manifest'));
        },
      };
    });
  }

  /** Asks for a single-use token to open a data connection for `game`'s chunks. */
  async getDataToken(game: GameId, version: GameVersion, signal: AbortSignal): Promise<Buffer> {
    return this.#request(signal, (resolve, fail) => {
      this.connection.send({ t: 'get-data-token', game, version });
      return {
        onMessage: (msg) => {
          if (msg.t === 'data-token' && msg.game === game) resolve(Buffer.from(msg.token, 'hex'));
          else fail(unexpected(msg));
        },
        onData: () => {
          fail(new LanspreadError('protocol-error', 'data frame instead of a token'));
        },
      };
    });
  }

  /**
   * Fetches `length` bytes of `path` at `offset`, handing them to `sink` in order with
   * backpressure, and resolves once every byte has been written (the caller verifies them).
   * With `landing`, a data connection reads the chunk's bytes where it says (see
   * `Connection.landIn`), at their position from the chunk's start.
   */
  async fetchChunk(
    req: { game: GameId; version: GameVersion; path: string; offset: number; length: number },
    sink: ChunkSink,
    signal: AbortSignal,
    landing?: ChunkLanding,
  ): Promise<void> {
    return this.#request(signal, (resolve, fail, local) => {
      this.connection.send({ t: 'get-chunk', ...req });
      let started = false;
      let received = 0;
      if (landing !== undefined) {
        // Only raw chunk bytes may land: after the `chunk` header, up to the chunk's end.
        this.connection.landIn(() =>
          started ? landing(received, req.length - received) : undefined,
        );
      }
      let queued = 0;
      let writes = Promise.resolve();
      return {
        onMessage: (msg) => {
          if (msg.t !== 'chunk' || started) {
            fail(unexpected(msg));
            return;
          }
          if (msg.path !== req.path || msg.offset !== req.offset || msg.length !== req.length) {
            fail(new LanspreadError('protocol-error', 'chunk header does not match the request'));
            return;
          }
          started = true;
        },
        onData: (buf) => {
          if (!started || received + buf.length > req.length) {
            fail(new LanspreadError('protocol-error', 'more data than the chunk holds'));
            return;
          }
          received += buf.length;
          queued += buf.length;
          if (queued > MAX_QUEUED_WRITE_BYTES) this.connection.pause();
          writes = local(
            writes.then(async () => {
              // Held here, the bytes keep the socket paused: the source slows to the cap.
              await this.#cap?.take(buf.length, this.connection.remotePeerId, signal);
              await sink(buf);
              this.connection.recycle(buf);
              queued -= buf.length;
              if (queued <= MAX_QUEUED_WRITE_BYTES / 4) this.connection.resume();
            }),
          );
          if (received === req.length) {
            writes.then(() => {
              resolve();
            }, fail);
          } else {
            writes.catch(fail);
          }
        },
      };
    });
  }

  /**
   * Asks the source to unpack `game` and stream it; resolves with the counts of `stream-done`
   * once the receiver has taken every entry. The order of messages is checked: a plan first,
   * then entries each with exactly its size of data, then the end.
   */
  async streamInstall(
    game: GameId,
    version: GameVersion,
    receiver: StreamReceiver,
    signal: AbortSignal,
  ): Promise<{ files: number; bytes: number }> {
    return this.#request(signal, (resolve, fail, local) => {
      this.connection.send({ t: 'get-stream', game, version });
      let planned = false;
      let entry: StreamEntry | null = null;
      let received = 0;
      let files = 0;
      let bytes = 0;
      let queued = 0;
      let chain = Promise.resolve();
      const then = (step: () => Promise<void>): void => {
        chain = local(chain.then(step));
        chain.catch(fail);
      };
      return {
        onMessage: (msg) => {
          if (msg.t === 'stream-plan' && !planned && msg.game === game) {
            planned = true;
            then(() => receiver.plan(msg));
          } else if (msg.t === 'stream-entry' && planned && entry === null) {
            entry = msg;
            received = 0;
            then(() => receiver.beginEntry(msg));
          } else if (msg.t === 'stream-entry-end' && entry !== null && received === entry.size) {
            files++;
            bytes += entry.size;
            entry = null;
            then(() => receiver.endEntry(msg.crc32));
          } else if (msg.t === 'stream-done' && planned && entry === null) {
            if (msg.files !== files || msg.bytes !== bytes) {
              fail(
                new LanspreadError('protocol-error', 'stream-done does not count what was sent'),
              );
              return;
            }
            chain.then(() => {
              resolve({ files, bytes });
            }, fail);
          } else if (msg.t === 'stream-failed') {
            fail(new LanspreadError(knownCode(msg.code), `source failed: ${msg.message}`));
          } else if (planned) {
            // Busy is an answer to the request, not a way to end a stream that began.
            fail(new LanspreadError('protocol-error', `unexpected ${msg.t} in a stream`));
          } else {
            fail(unexpected(msg));
          }
        },
        onData: (buf) => {
          if (entry === null || received + buf.length > entry.size) {
            fail(
              new LanspreadError(
                'protocol-error',
                'data outside a streamed entry, or past its size',
              ),
            );
            return;
          }
          received += buf.length;
          queued += buf.length;
          if (queued > MAX_QUEUED_WRITE_BYTES) this.connection.pause();
          then(async () => {
            await this.#cap?.take(buf.length, this.connection.remotePeerId, signal);
            await receiver.write(buf);
            this.connection.recycle(buf);
            queued -= buf.length;
            if (queued <= MAX_QUEUED_WRITE_BYTES / 4) this.connection.resume();
          });
        },
      };
    });
  }

  close(): void {
    this.connection.close();
  }

  #request<T>(
    signal: AbortSignal,
    start: (
      resolve: (value: T) => void,
      fail: (err: unknown) => void,
      /** Marks work of ours (a write, an unpack) that the stall timeout must wait for. */
      local: (work: Promise<void>) => Promise<void>,
    ) => { onMessage: (msg: WireMessage) => void; onData: (buf: Buffer) => void },
  ): Promise<T> {
    if (this.#pending !== undefined)
      throw new LanspreadError('protocol-error', 'one request at a time per connection');
    return new Promise<T>((resolve, reject) => {
      let stall: NodeJS.Timeout | undefined;
      let localWork = 0;
      let settled = false;
      const armStall = (): void => {
        clearTimeout(stall);
        stall = setTimeout(() => {
          if (localWork > 0) {
            armStall();
            return;
          }
          fail(
            new LanspreadError(
              'timeout',
              `source sent nothing for ${this.#stallTimeoutMs / 1000} s`,
            ),
          );
          this.connection.destroy();
        }, this.#stallTimeoutMs);
      };
      // The clock restarts when our own work ends: the source had to wait for it, not we for it.
      const local = (work: Promise<void>): Promise<void> => {
        localWork++;
        const counted = (): void => {
          localWork--;
          if (localWork === 0 && !settled) armStall();
        };
        work.then(counted, counted);
        return work;
      };
      const onAbort = (): void => {
        fail(
          signal.reason instanceof Error
            ? signal.reason
            : new LanspreadError('download-failed', 'aborted'),
        );
      };
      const finish = (): void => {
        settled = true;
        clearTimeout(stall);
        signal.removeEventListener('abort', onAbort);
        this.#pending = undefined;
        this.connection.landIn(undefined);
      };
      const fail = (err: unknown): void => {
        if (this.#pending === undefined) return;
        finish();
        // The stream is in an unknown state now: this connection cannot carry another request.
        this.connection.destroy();
        reject(err instanceof Error ? err : new LanspreadError('download-failed', String(err)));
      };
      const done = (value: T): void => {
        if (this.#pending === undefined) return;
        finish();
        resolve(value);
      };
      if (signal.aborted) {
        reject(
          signal.reason instanceof Error
            ? signal.reason
            : new LanspreadError('download-failed', 'aborted'),
        );
        return;
      }
      // Its close was reported already, to nobody: waiting for an answer would wait forever.
      if (this.connection.closed) {
        reject(this.#closedError(undefined));
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      armStall();
      const handlers = start(done, fail, local);
      this.#pending = {
        onMessage: (msg) => {
          armStall();
          handlers.onMessage(msg);
        },
        onData: (buf) => {
          armStall();
          handlers.onData(buf);
        },
        fail,
      };
    });
  }
}

/** A partial source's not-here-now refusals, whose code the caller acts on: it asks another source, blaming none. */
const PASSED_REFUSALS: ReadonlySet<string> = new Set<ErrorCode>([
  'chunk-not-here',
  'chunk-busy',
  'serve-busy',
  'serve-not-ready',
]);

function unexpected(msg: WireMessage): LanspreadError {
  // Over the budget passes too: the caller waits and asks again.
  if (msg.t === 'refused' && msg.code === 'serve-over-budget')
    return new LanspreadError('serve-over-budget', `source is busy: ${msg.message}`);
  if (msg.t === 'refused' && PASSED_REFUSALS.has(msg.code))
    return new LanspreadError(msg.code as ErrorCode, `source refused: ${msg.code}: ${msg.message}`);
  if (msg.t === 'refused')
    return new LanspreadError('download-failed', `source refused: ${msg.code}: ${msg.message}`);
  return new LanspreadError('protocol-error', `unexpected ${msg.t}`);
}

/**
 * A failure code the source reports, if it is one of ours; anything else is a failed download.
 * Busy is not a way for a stream to end: it would be asked again, from the start, forever.
 */
function knownCode(code: string): ErrorCode {
  return Object.hasOwn(ERRORS, code) && code !== 'serve-over-budget'
    ? (code as ErrorCode)
    : 'download-failed';
}
