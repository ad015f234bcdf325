/**
 * SHA-256 of a chunk as its bytes arrive, computed in worker threads: the receiving thread hands
 * each payload over and goes on decrypting. A buffer that is a whole ArrayBuffer (the frame
 * decoder's data payloads) is moved to the worker and back, not copied: copying a megabyte into
 * a message cost as much CPU as hashing it, and V8 copies into shared memory byte-safe, slowly.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LanspreadError } from '../errors.js';

/** Builtins only, from a data: URL, for the reason given in chunk-hasher.ts. */
const WORKER_SOURCE = `
import { parentPort } from 'node:worker_threads';
import { createHash } from 'node:crypto';
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    let hash = hashes.get(m.id);
    if (hash === undefined) hashes.set(m.id, (hash = createHash('sha256')));
    hash.update(m.bytes);
    parentPort.postMessage({ id: m.id, seq: m.seq, bytes: m.bytes }, [m.bytes.buffer]);
  } else if (m.op === 'digest') {
    const hash = hashes.get(m.id) ?? createHash('sha256');
    hashes.delete(m.id);
    parentPort.postMessage({ id: m.id, seq: m.seq, hex: hash.digest('hex') });
  } else {
    hashes.delete(m.id);
  }
});
`;

const WORKER_URL = new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`);

interface Reply {
  id: number;
  seq: number;
  hex?: string;
  bytes?: Uint8Array;
}

interface Waiter {
  resolve(reply: Reply): void;
  reject(err: Error): void;
}

/** One worker and the replies it owes, keyed by digest id and the sequence number of the call. */
class DigestWorker {
  readonly #worker = new Worker(WORKER_URL);
  readonly #waiting = new Map<string, Waiter>();
  #failure: Error | undefined;
  /** Digests started here and not yet finished or abandoned: the pool picks the least busy worker. */
  active = 0;

  constructor(onDead: (w: DigestWorker) => void) {
    this.#worker.unref();
    this.#worker.on('message', (reply: Reply) => {
      const key = `${reply.id}:${reply.seq}`;
      const waiter = this.#waiting.get(key);
      this.#waiting.delete(key);
      if (this.#waiting.size === 0) this.#worker.unref();
      waiter?.resolve(reply);
    });
    const fail = (why: string): void => {
      if (this.#failure !== undefined) return;
      this.#failure = new LanspreadError('hash-failed', `the hashing worker ${why}`);
      for (const waiter of this.#waiting.values()) waiter.reject(this.#failure);
      this.#waiting.clear();
      onDead(this);
    };
    this.#worker.on('error', (err) => {
      fail(`failed: ${err.message}`);
    });
    this.#worker.on('exit', (code) => {
      fail(`exited with code ${code}`);
    });
  }

  call(
    message: { op: 'update' | 'digest'; id: number; seq: number; bytes?: Uint8Array },
    transfer: ArrayBuffer[] = [],
  ): Promise<Reply> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#waiting.set(`${message.id}:${message.seq}`, { resolve, reject });
      // Busy workers keep the process alive, or an awaited digest would be lost.
      this.#worker.ref();
      this.#worker.postMessage(message, transfer);
    });
  }

  drop(id: number): void {
    if (this.#failure === undefined) this.#worker.postMessage({ op: 'drop', id });
  }

  terminate(): Promise<number> {
    return this.#worker.terminate();
  }
}

/** The SHA-256 of one chunk, fed in order. */
export interface ChunkDigest {
  /**
   * Hashes `bytes`, calls taken in order. Resolves with a buffer over the same memory, the
   * caller's again: a whole ArrayBuffer went to the worker and came back, and `bytes` is empty
   * from the call on. Anything else is copied and resolves with `bytes` itself.
   */
  update(bytes: Buffer): Promise<Buffer>;
  /** The hex digest of every byte given; the digest is done then. */
  finish(): Promise<string>;
  /** Forgets a digest that will not be finished (its chunk failed). */
  abandon(): void;
}

/** A few digest workers, started on demand; each digest stays on one worker, so order holds. */
class DigestPool {
  readonly #workers: DigestWorker[] = [];
  readonly #size: number;
  #nextId = 0;

  constructor(size: number) {
    this.#size = Math.max(1, size);
  }

  start(): ChunkDigest {
    const worker = this.#pick();
    const id = this.#nextId++;
    let seq = 0;
    let done = false;
    worker.active++;
    const end = (): void => {
      done = true;
      worker.active--;
    };
    return {
      async update(bytes) {
        if (done) throw new LanspreadError('hash-failed', 'update after the digest was finished');
        const { buffer } = bytes;
        if (
          !(buffer instanceof ArrayBuffer) ||
          bytes.byteOffset !== 0 ||
          bytes.byteLength !== buffer.byteLength
        ) {
          await worker.call({ op: 'update', id, seq: seq++, bytes });
          return bytes;
        }
        const reply = await worker.call(
          { op: 'update', id, seq: seq++, bytes: new Uint8Array(buffer) },
          [buffer],
        );
        const back = reply.bytes;
        if (back === undefined)
          throw new LanspreadError('hash-failed', 'the worker kept the bytes');
        return Buffer.from(back.buffer, back.byteOffset, back.byteLength);
      },
      async finish() {
        if (done) throw new LanspreadError('hash-failed', 'the digest was already finished');
        end();
        const { hex } = await worker.call({ op: 'digest', id, seq: seq++ });
        if (hex === undefined) throw new LanspreadError('hash-failed', 'the worker gave no digest');
        return hex;
      },
      abandon() {
        if (done) return;
        end();
        worker.drop(id);
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.splice(0).map((w) => w.terminate()));
  }

  #pick(): DigestWorker {
    const idle = this.#workers.find((w) => w.active === 0);
    if (idle !== undefined) return idle;
    if (this.#workers.length < this.#size) {
      const worker = new DigestWorker((dead) => {
        const at = this.#workers.indexOf(dead);
        if (at !== -1) this.#workers.splice(at, 1);
      });
      this.#workers.push(worker);
      return worker;
    }
    return this.#workers.reduce((a, b) => (b.active < a.active ? b : a));
  }
}

/** One worker hashes ~1 GB/s, a 10 GbE link; a second one only where a core is left for it. */
const pool = new DigestPool(Math.min(2, availableParallelism() - 1));

/** Starts the SHA-256 of a chunk whose bytes will be given in order. */
export function startChunkDigest(): ChunkDigest {
  return pool.start();
}

/** Terminates the digest workers; unfinished digests fail with `hash-failed`. */
export function closeDigestPool(): Promise<void> {
  return pool.close();
}
