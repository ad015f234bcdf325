/**
 * SHA-256 of each chunk of a file, computed in a small worker pool so hashing never stalls the
 * event loop.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LanspreadError } from '../errors.js';

/**
 * An inline ES module with builtins only, loaded from a data: URL: tsx does not map a worker's
 * `.js` URL to its `.ts` source, and an eval'd string changes module format with the flags the
 * worker inherits (`--input-type`), so this is the one form that runs the same under tsx and from
 * `dist/`. It reads the file in 4 MiB blocks whatever the chunk size, and checks its size before
 * and after.
 */
const WORKER_SOURCE = `
import { parentPort } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
const BLOCK = 4 * 1024 * 1024;
const FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW || 0);
let buf;
function hashFile(path, size, chunkSize) {
  const fd = openSync(path, FLAGS);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(path + ' is not a regular file');
    if (st.size !== size) throw new Error(path + ' has ' + st.size + ' bytes, expected ' + size);
    if (buf === undefined) buf = Buffer.allocUnsafe(BLOCK);
    const hashes = [];
    let hash = createHash('sha256');
    let inChunk = 0;
    for (let pos = 0; pos < size; ) {
      const n = readSync(fd, buf, 0, Math.min(BLOCK, size - pos), pos);
      if (n === 0) throw new Error(path + ' shrank while it was hashed');
      for (let off = 0; off < n; ) {
        const take = Math.min(n - off, chunkSize - inChunk);
        hash.update(buf.subarray(off, off + take));
        off += take;
        inChunk += take;
        if (inChunk === chunkSize) {
          hashes.push(hash.digest('hex'));
          hash = createHash('sha256');
          inChunk = 0;
        }
      }
      pos += n;
    }
    if (inChunk > 0) hashes.push(hash.digest('hex'));
    if (fstatSync(fd).size !== size) throw new Error(path + ' changed size while it was hashed');
    return hashes;
  } finally {
    closeSync(fd);
  }
}
parentPort.on('message', (job) => {
  try {
    parentPort.postMessage({
      id: job.id,
      hashes: hashFile(job.path, job.size, job.chunkSize),
    });
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String((err && err.message) || err) });
  }
});
`;

const WORKER_URL = new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`);

interface Job {
  readonly id: number;
  readonly path: string;
  readonly size: number;
  readonly chunkSize: number;
  settle(result: { hashes: string[] } | { error: Error }): void;
}

interface Slot {
  readonly worker: Worker;
  job: Job | undefined;
}

interface WorkerReply {
  id: number;
  hashes?: string[];
  error?: string;
}

/** A few hashing workers, started on demand, taking jobs in order. */
class HasherPool {
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  readonly #size: number;
  #nextId = 0;

  constructor(size: number) {
    this.#size = Math.max(1, size);
  }

  /** SHA-256 hex of each `chunkSize` slice of a file that must have `size` bytes. */
  hash(absPath: string, size: number, chunkSize: number, signal?: AbortSignal): Promise<string[]> {
    if (![size, chunkSize].every(Number.isSafeInteger) || chunkSize < 1 || size < 0) {
      return Promise.reject(
        new LanspreadError('hash-failed', `bad size ${size} or chunk size ${chunkSize}`),
      );
    }
    if (signal?.aborted === true) return Promise.reject(abortReason(signal));
    if (size === 0) return Promise.resolve([]);
    return new Promise<string[]>((resolve, reject) => {
      const onAbort = (): void => {
        this.#cancel(job);
        job.settle({ error: abortReason(signal) });
      };
      const job: Job = {
        id: this.#nextId++,
        path: absPath,
        size,
        chunkSize,
        settle(result) {
          signal?.removeEventListener('abort', onAbort);
          if ('hashes' in result) resolve(result.hashes);
          else reject(result.error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(job);
      this.#pump();
    });
  }

  async close(): Promise<void> {
    const error = new LanspreadError('shutting-down', 'the hasher pool was closed');
    for (const job of this.#queue.splice(0)) job.settle({ error });
    const closing = this.#slots.splice(0).map((slot) => {
      slot.job?.settle({ error });
      slot.job = undefined;
      return slot.worker.terminate();
    });
    await Promise.all(closing);
  }

  /** Drops a job from the queue, or kills the worker hashing it: a sync read loop cannot be interrupted. */
  #cancel(job: Job): void {
    const queued = this.#queue.indexOf(job);
    if (queued !== -1) {
      this.#queue.splice(queued, 1);
      return;
    }
    const slot = this.#slots.find((s) => s.job === job);
    if (slot === undefined) return;
    slot.job = undefined;
    this.#retire(slot);
    void slot.worker.terminate();
    this.#pump();
  }

  #retire(slot: Slot): void {
    const at = this.#slots.indexOf(slot);
    if (at !== -1) this.#slots.splice(at, 1);
  }

  #startWorker(): Slot {
    const slot: Slot = { worker: new Worker(WORKER_URL), job: undefined };
    slot.worker.on('message', (reply: WorkerReply) => {
      const job = slot.job;
      if (job?.id !== reply.id) return;
      slot.job = undefined;
      // Idle workers must not keep the process alive; busy ones must, or an awaited hash is lost.
      slot.worker.unref();
      if (reply.hashes !== undefined) job.settle({ hashes: reply.hashes });
      else
        job.settle({ error: new LanspreadError('hash-failed', reply.error ?? 'hashing failed') });
      this.#pump();
    });
    const fail = (why: string): void => {
      if (!this.#slots.includes(slot)) return;
      this.#retire(slot);
      const job = slot.job;
      slot.job = undefined;
      job?.settle({ error: new LanspreadError('hash-failed', `the hashing worker ${why}`) });
      this.#pump();
    };
    slot.worker.on('error', (err) => {
      fail(`failed: ${err.message}`);
    });
    slot.worker.on('exit', (code) => {
      fail(`exited with code ${code}`);
    });
    this.#slots.push(slot);
    return slot;
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      const slot =
        this.#slots.find((s) => s.job === undefined) ??
        (this.#slots.length < this.#size ? this.#startWorker() : undefined);
      if (slot === undefined) return;
      const job = this.#queue.shift();
      if (job === undefined) return;
      slot.job = job;
      slot.worker.ref();
      const { id, path, size, chunkSize } = job;
      slot.worker.postMessage({ id, path, size, chunkSize });
    }
  }
}

/** Whole files for manifests and resume checks: jobs that may take minutes on a large library. */
const filePool = new HasherPool(Math.min(2, availableParallelism()));
/**
 * SHA-256 hex of each `chunkSize` slice of the file (the last one shorter; none for an empty
 * file). Rejects with `hash-failed` when the file is unreadable, not regular, or changes size.
 */
export function hashFileChunks(
  absPath: string,
  size: number,
  chunkSize: number,
  signal?: AbortSignal,
): Promise<string[]> {
  return filePool.hash(absPath, size, chunkSize, signal);
}

/** Terminates every hashing worker; pending hashes fail with `shutting-down`. */
export async function closeHasherPool(): Promise<void> {
  await filePool.close();
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error
    ? reason
    : new LanspreadError('cancelled', 'hashing was cancelled');
}
