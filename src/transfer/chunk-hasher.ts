/** SHA-256 of each chunk of a file, computed in worker threads so serving never stalls the event loop. */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { LanspreadError } from '../errors.js';

/** The worker is inline JS with builtins only, so it runs the same from `src/` (tsx) and `dist/`. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync, fstatSync } = require('node:fs');
parentPort.on('message', ({ id, path, size, chunkSize }) => {
  let fd;
  try {
    fd = openSync(path, 'r');
    if (fstatSync(fd).size !== size) throw new Error(path + ' changed size while it was hashed');
    const buf = Buffer.allocUnsafe(Math.min(chunkSize, 4 << 20));
    const hashes = [];
    for (let start = 0; start < size; start += chunkSize) {
      const end = Math.min(start + chunkSize, size);
      const hash = createHash('sha256');
      for (let at = start; at < end; ) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, end - at), at);
        if (n === 0) throw new Error(path + ' shrank while it was hashed');
        hash.update(buf.subarray(0, n));
        at += n;
      }
      hashes.push(hash.digest('hex'));
    }
    parentPort.postMessage({ id, hashes });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message || err) });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
});`;

interface Job {
  id: number;
  path: string;
  size: number;
  chunkSize: number;
  resolve(hashes: string[]): void;
  reject(err: Error): void;
}

const POOL_SIZE = Math.max(1, Math.min(2, availableParallelism()));
const workers: { worker: Worker; job: Job | undefined }[] = [];
const queue: Job[] = [];
let nextId = 0;

function startWorker(): { worker: Worker; job: Job | undefined } {
  const slot: { worker: Worker; job: Job | undefined } = {
    worker: new Worker(WORKER_SOURCE, { eval: true }),
    job: undefined,
  };
  slot.worker.unref();
  slot.worker.on('message', (msg: { id: number; hashes?: string[]; error?: string }) => {
    const job = slot.job;
    slot.job = undefined;
    if (job !== undefined && job.id === msg.id) {
      if (msg.hashes !== undefined) job.resolve(msg.hashes);
      else job.reject(new LanspreadError('download-failed', msg.error ?? 'hashing failed'));
    }
    pump();
  });
  slot.worker.on('error', (err) => {
    slot.job?.reject(err);
    slot.job = undefined;
    workers.splice(workers.indexOf(slot), 1);
    pump();
  });
  workers.push(slot);
  return slot;
}

function pump(): void {
  while (queue.length > 0) {
    const idle =
      workers.find((w) => w.job === undefined) ??
      (workers.length < POOL_SIZE ? startWorker() : undefined);
    if (idle === undefined) return;
    const job = queue.shift();
    if (job === undefined) return;
    idle.job = job;
    idle.worker.postMessage({
      id: job.id,
      path: job.path,
      size: job.size,
      chunkSize: job.chunkSize,
    });
  }
}

export function hashFileChunks(path: string, size: number, chunkSize: number): Promise<string[]> {
  if (size === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    queue.push({ id: nextId++, path, size, chunkSize, resolve, reject });
    pump();
  });
}
