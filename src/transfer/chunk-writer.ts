/** Writes a chunk's bytes at their offsets and hashes them in a worker, off the receiving thread. */
import { Worker } from 'node:worker_threads';
import { LanspreadError } from '../errors.js';

/**
 * Builtins only, from a data: URL, like the chunk hasher: the one form that runs the same under
 * tsx and from dist/. Messages arrive in order, so writes land in order without waiting for acks.
 */
const WORKER_SOURCE = `
import { parentPort } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
let fd, hash, base = 0, failed;
const close = () => { if (fd !== undefined) { try { closeSync(fd); } catch {} fd = undefined; } };
parentPort.on('message', (m) => {
  try {
    if (m.t === 'begin') {
      close();
      failed = undefined;
      fd = openSync(m.path, constants.O_WRONLY | (constants.O_NOFOLLOW || 0));
      hash = createHash('sha256');
      base = m.offset;
      return;
    }
    if (m.t === 'data') {
      if (failed !== undefined || fd === undefined) {
        parentPort.postMessage({ t: 'written', bytes: m.length, failed: failed ?? { message: 'no chunk begun' } });
        return;
      }
      const b = Buffer.from(m.buf, m.byteOffset, m.length);
      hash.update(b);
      for (let w = 0; w < b.length; ) w += writeSync(fd, b, w, b.length - w, base + m.at + w);
      parentPort.postMessage({ t: 'written', bytes: b.length });
      return;
    }
    if (m.t === 'end') {
      close();
      if (failed !== undefined) parentPort.postMessage({ t: 'error', seq: m.seq, ...failed });
      else parentPort.postMessage({ t: 'done', seq: m.seq, hash: hash.digest('hex') });
      return;
    }
    if (m.t === 'abort') close();
  } catch (err) {
    failed = { message: String((err && err.message) || err), code: err && err.code };
    close();
    if (m.t === 'data') parentPort.postMessage({ t: 'written', bytes: m.length, failed });
    if (m.t === 'end') parentPort.postMessage({ t: 'error', seq: m.seq, ...failed });
  }
});
`;
const WORKER_URL = new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`);

type WorkerReply =
  | { t: 'written'; bytes: number; failed?: { message: string } }
  | { t: 'done'; seq: number; hash: string }
  | { t: 'error'; seq: number; message: string; code?: string };

/** One per transfer connection: a chunk at a time, begun, written in pieces, then ended. */
export class ChunkWriter {
  readonly #worker = new Worker(WORKER_URL);
  readonly #ends = new Map<
    number,
    { resolve: (hash: string) => void; reject: (err: Error) => void }
  >();
  #seq = 0;
  #queued = 0;
  #failure: Error | undefined;
  #drained: (() => void) | undefined;

  constructor() {
    this.#worker.on('message', (reply: WorkerReply) => {
      if (reply.t === 'written') {
        this.#queued -= reply.bytes;
        if (reply.failed !== undefined)
          this.#failure ??= new LanspreadError('download-failed', reply.failed.message);
        if (this.#queued <= ChunkWriter.LOW_WATER) this.#drained?.();
        return;
      }
      const end = this.#ends.get(reply.seq);
      this.#ends.delete(reply.seq);
      if (reply.t === 'done') end?.resolve(reply.hash);
      else end?.reject(new LanspreadError('download-failed', reply.message));
    });
    this.#worker.on('error', (err) => {
      this.#failure = err;
      for (const end of this.#ends.values()) end.reject(err);
      this.#ends.clear();
      this.#drained?.();
    });
  }

  /** Bytes handed to the worker and not yet on disk. */
  static readonly LOW_WATER = 2 * 1024 * 1024;

  get queuedBytes(): number {
    return this.#queued;
  }

  begin(path: string, offset: number): void {
    this.#failure = undefined;
    this.#worker.postMessage({ t: 'begin', path, offset });
  }

  /** Hands `bytes` (at `at` within the chunk) to the worker; the buffer is moved, not copied, when it owns its memory. */
  write(bytes: Buffer, at: number): void {
    if (this.#failure !== undefined) throw this.#failure;
    this.#queued += bytes.length;
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    const msg = {
      t: 'data',
      buf: bytes.buffer,
      byteOffset: bytes.byteOffset,
      length: bytes.length,
      at,
    };
    if (own && bytes.buffer instanceof ArrayBuffer) this.#worker.postMessage(msg, [bytes.buffer]);
    else
      this.#worker.postMessage({
        ...msg,
        buf: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
        byteOffset: 0,
      });
  }

  /** Resolves once the worker's queue is short again. */
  drained(): Promise<void> {
    if (this.#queued <= ChunkWriter.LOW_WATER || this.#failure !== undefined)
      return Promise.resolve();
    return new Promise((resolve) => {
      this.#drained = () => {
        this.#drained = undefined;
        resolve();
      };
    });
  }

  /** Resolves with the SHA-256 of every byte written since begin(), once they are all on disk. */
  end(): Promise<string> {
    const seq = this.#seq++;
    return new Promise((resolve, reject) => {
      this.#ends.set(seq, { resolve, reject });
      this.#worker.postMessage({ t: 'end', seq });
    });
  }

  abort(): void {
    this.#worker.postMessage({ t: 'abort' });
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}
