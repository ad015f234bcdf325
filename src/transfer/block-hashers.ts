/**
 * SHA-256 of chunks whose bytes lie in shared memory, computed by worker threads: on a receiver
 * with cores to spare, hashing (the largest cost of a received byte) leaves the event loop.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { LanspreadError } from '../errors.js';

/**
 * Builtins only, from a data: URL (see chunk-hasher.ts for why). A session's hash lives in the
 * worker; each update hashes a range of the shared memory and answers once it is done, so the
 * caller knows when that range may be reused.
 */
const WORKER_SOURCE = `
import { parentPort, workerData } from 'node:worker_threads';
import { createHash } from 'node:crypto';
const memory = workerData;
const sessions = new Map();
parentPort.on('message', (m) => {
  if (m.t === 'update') {
    let hash = sessions.get(m.id);
    if (hash === undefined) sessions.set(m.id, (hash = createHash('sha256')));
    hash.update(new Uint8Array(memory, m.offset, m.length));
    parentPort.postMessage({ seq: m.seq });
  } else if (m.t === 'digest') {
    const hash = sessions.get(m.id) ?? createHash('sha256');
    sessions.delete(m.id);
    parentPort.postMessage({ seq: m.seq, hex: hash.digest('hex') });
  } else if (m.t === 'drop') {
    sessions.delete(m.id);
  }
});
`;

const WORKER_URL = new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`);

interface Reply {
  seq: number;
  hex?: string;
}

/** One worker and the answers it owes, in the order asked. */
class HashWorker {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { resolve(hex: string): void; reject(err: Error): void }>();
  #nextSeq = 0;
  #dead: Error | undefined;

  constructor(memory: SharedArrayBuffer) {
    this.#worker = new Worker(WORKER_URL, { workerData: memory });
    this.#worker.on('message', (reply: Reply) => {
      const waiter = this.#waiting.get(reply.seq);
      this.#waiting.delete(reply.seq);
      if (this.#waiting.size === 0) this.#worker.unref();
      waiter?.resolve(reply.hex ?? '');
    });
    const die = (why: string): void => {
      this.#dead ??= new LanspreadError('hash-failed', `the hashing worker ${why}`);
      for (const waiter of this.#waiting.values()) waiter.reject(this.#dead);
      this.#waiting.clear();
    };
    this.#worker.on('error', (err) => {
      die(`failed: ${err.message}`);
    });
    this.#worker.on('exit', (code) => {
      die(`exited with code ${code}`);
    });
    // Only a worker that owes answers keeps the process alive. After the listeners: subscribing
    // to messages would take the reference again.
    this.#worker.unref();
  }

  get dead(): boolean {
    return this.#dead !== undefined;
  }

  ask(message: { t: 'update'; id: number; offset: number; length: number }): Promise<void>;
  ask(message: { t: 'digest'; id: number }): Promise<string>;
  ask(message: { t: 'update' | 'digest'; id: number }): Promise<unknown> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    const seq = this.#nextSeq++;
    return new Promise((resolve, reject) => {
      if (this.#waiting.size === 0) this.#worker.ref();
      this.#waiting.set(seq, { resolve, reject });
      this.#worker.postMessage({ ...message, seq });
    });
  }

  drop(id: number): void {
    if (this.#dead === undefined) this.#worker.postMessage({ t: 'drop', id });
  }
}

/** The hash of one chunk, kept by one worker so that its updates are hashed in order. */
export interface HashSession {
  /** Hashes `length` bytes of the shared memory at `offset`; they may be reused once this resolves. */
  update(offset: number, length: number): Promise<void>;
  /** SHA-256 (hex) of everything updated; the session ends. */
  digest(): Promise<string>;
  /** Ends the session without a digest. */
  drop(): void;
}

/**
 * Hashing workers over one shared memory, each chunk's session given to the next in turn; with
 * no workers (a single core, where they would only add hand-offs) sessions hash on this thread.
 */
export class BlockHashers {
  readonly #memory: SharedArrayBuffer;
  readonly #workers: (HashWorker | undefined)[];
  #turn = 0;
  #nextId = 0;

  constructor(memory: SharedArrayBuffer, workers: number) {
    this.#memory = memory;
    this.#workers = Array.from({ length: workers }, () => undefined);
  }

  session(): HashSession {
    if (this.#workers.length === 0) return this.#hereSession();
    const at = this.#turn++ % this.#workers.length;
    let worker = this.#workers[at];
    // Started on first use; one that died is replaced (its sessions failed already).
    if (worker === undefined || worker.dead) {
      worker = new HashWorker(this.#memory);
      this.#workers[at] = worker;
    }
    const id = this.#nextId++;
    const mine = worker;
    return {
      update: (offset, length) => mine.ask({ t: 'update', id, offset, length }),
      digest: () => mine.ask({ t: 'digest', id }),
      drop: () => {
        mine.drop(id);
      },
    };
  }

  #hereSession(): HashSession {
    const hash = createHash('sha256');
    return {
      update: (offset, length) => {
        hash.update(new Uint8Array(this.#memory, offset, length));
        return Promise.resolve();
      },
      digest: () => Promise.resolve(hash.digest('hex')),
      drop: () => undefined,
    };
  }
}
