/**
 * SHA-256 of chunks whose bytes lie in shared memory, computed by worker threads: on a receiver
 * with cores to spare, hashing (the largest cost of a received byte) leaves the event loop.
 */
import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { LanspreadError } from '../errors.js';

/**
 * Builtins only, from a data: URL (see chunk-hasher.ts for why). A session's hash lives in the
 * worker; each update hashes a range of the shared memory and answers once it is done, so the
 * caller knows when that range may be reused. A file's bytes are read with async reads, so the
 * other sessions' updates go on between them.
 */
const WORKER_SOURCE = `
import { parentPort, workerData } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
const memory = workerData;
const sessions = new Map();
const hashFileRangeInto = ${hashFileRangeInto.toString()};
function take(id) {
  const hash = sessions.get(id) ?? createHash('sha256');
  sessions.delete(id);
  return hash;
}
parentPort.on('message', (m) => {
  if (m.t === 'update') {
    let hash = sessions.get(m.id);
    if (hash === undefined) sessions.set(m.id, (hash = createHash('sha256')));
    hash.update(new Uint8Array(memory, m.offset, m.length));
    parentPort.postMessage({ seq: m.seq });
  } else if (m.t === 'digest') {
    parentPort.postMessage({ seq: m.seq, hex: take(m.id).digest('hex') });
  } else if (m.t === 'digest-file') {
    const hash = take(m.id);
    hashFileRangeInto(open, hash, m.path, m.start, m.end).then(
      () => parentPort.postMessage({ seq: m.seq, hex: hash.digest('hex') }),
      (err) => parentPort.postMessage({ seq: m.seq, error: String((err && err.message) || err) }),
    );
  } else if (m.t === 'drop') {
    sessions.delete(m.id);
  }
});
`;

const WORKER_URL = new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`);

interface Reply {
  seq: number;
  hex?: string;
  error?: string;
}

/**
 * Feeds bytes [start, end) of the file at `path`, read back from the disk, to `hash`. It uses
 * nothing but its arguments and globals: the hashing worker runs this very function (its source
 * is spliced in), so the worker and this thread read a file the same way.
 */
async function hashFileRangeInto(
  openFile: typeof open,
  hash: Hash,
  path: string,
  start: number,
  end: number,
): Promise<void> {
  const file = await openFile(path, 'r');
  try {
    // Its own buffer: two sessions of one worker may read at once.
    const buffer = Buffer.allocUnsafe(Math.min(4 * 1024 * 1024, Math.max(end - start, 1)));
    for (let at = start; at < end;) {
      const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, end - at), at);
      if (bytesRead === 0) throw new Error(`${path} ends before byte ${end}`);
      hash.update(buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
  } finally {
    await file.close();
  }
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
      if (reply.error === undefined) waiter?.resolve(reply.hex ?? '');
      else waiter?.reject(new LanspreadError('hash-failed', reply.error));
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
  ask(
    message:
      | { t: 'digest'; id: number }
      | { t: 'digest-file'; id: number; path: string; start: number; end: number },
  ): Promise<string>;
  ask(message: { t: 'update' | 'digest' | 'digest-file'; id: number }): Promise<unknown> {
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

/** A hash not yet digested: each of these ends it. */
export interface OpenHash {
  /** SHA-256 (hex) of everything hashed. */
  digest(): Promise<string>;
  /**
   * SHA-256 (hex) of everything hashed and then of bytes [start, end) of the file at `path`,
   * read back from the disk: a chunk written in parts checks its hash reading only the parts
   * this hash did not see.
   */
  digestWithFile(path: string, start: number, end: number): Promise<string>;
  /** Ends it without a digest. */
  drop(): void;
}

/** The hash of one chunk, kept by one worker so that its updates are hashed in order. */
export interface HashSession extends OpenHash {
  /** Hashes `length` bytes of the shared memory at `offset`; they may be reused once this resolves. */
  update(offset: number, length: number): Promise<void>;
}

/** An `OpenHash` of a hash on this thread. */
export function openHashHere(hash: Hash): OpenHash {
  return {
    digest: () => Promise.resolve(hash.digest('hex')),
    digestWithFile: async (path, start, end) => {
      await hashFileRangeInto(open, hash, path, start, end);
      return hash.digest('hex');
    },
    drop: () => undefined,
  };
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
      digestWithFile: (path, start, end) => mine.ask({ t: 'digest-file', id, path, start, end }),
      drop: () => {
        mine.drop(id);
      },
    };
  }

  #hereSession(): HashSession {
    const hash = createHash('sha256');
    return {
      ...openHashHere(hash),
      update: (offset, length) => {
        hash.update(new Uint8Array(this.#memory, offset, length));
        return Promise.resolve();
      },
    };
  }
}
