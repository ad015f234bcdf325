/** The embedded provider: node-unrar-js (the official unrar as WASM) in a worker, streaming entries. */
import { Worker } from 'node:worker_threads';
import { embeddedAsset } from '../embedded-assets.js';
import { LanspreadError, errorMessage } from '../errors.js';
import type { ArchiveProvider, EntrySink } from './entry-sink.js';

/**
 * Inline ES module (see chunk-hasher.ts for why a data: URL). The WASM unrar calls the
 * extractor's `create`/`write`/`closeFile` for every file it unpacks; these hooks forward the
 * bytes to the parent instead of a disk, and block on a shared credit counter when the parent
 * is behind, which is what bounds memory: unrar's I/O is synchronous, so blocking it is safe.
 */
const WORKER_SOURCE = `
import { parentPort, workerData } from 'node:worker_threads';
const { unrarUrl, wasmBinary, archive, skip, credits: shared, maxInFlight } = workerData;
const credits = new Int32Array(shared);
const skipNames = new Set(skip);
function send(message, transfer) {
  for (;;) {
    const inFlight = Atomics.load(credits, 0);
    if (inFlight < maxInFlight) break;
    Atomics.wait(credits, 0, inFlight);
  }
  Atomics.add(credits, 0, 1);
  parentPort.postMessage(message, transfer);
}
try {
  const mod = await import(unrarUrl);
  const unrar = mod.createExtractorFromFile ? mod : mod.default;
  const ex = await unrar.createExtractorFromFile({ wasmBinary, filepath: archive, targetPath: '' });
  const ours = new Map();
  let nextFd = 0x40000000;
  const closeFile = ex.closeFile.bind(ex);
  const tell = ex.tell.bind(ex);
  const seek = ex.seek.bind(ex);
  ex.create = (name) => {
    const fd = nextFd++;
    ours.set(fd, { pos: 0 });
    send({ t: 'begin', name });
    return fd;
  };
  ex.write = (fd, ptr, size) => {
    const file = ours.get(fd);
    if (file === undefined) return false;
    const bytes = new Uint8Array(size);
    bytes.set(ex.unrar.HEAPU8.subarray(ptr, ptr + size));
    send({ t: 'data', bytes }, [bytes.buffer]);
    file.pos += size;
    return true;
  };
  ex.closeFile = (fd) => {
    if (!ours.delete(fd)) return closeFile(fd);
    send({ t: 'end' });
  };
  ex.tell = (fd) => (ours.has(fd) ? ours.get(fd).pos : tell(fd));
  // A stream cannot seek; only a no-op seek succeeds, anything else fails the entry.
  ex.seek = (fd, pos, method) => {
    const file = ours.get(fd);
    if (file === undefined) return seek(fd, pos, method);
    const to = method === 'SET' ? pos : method === 'CUR' ? file.pos + pos : NaN;
    return to === file.pos;
  };
  const { files } = ex.extract({ files: (header) => !skipNames.has(header.name) });
  for (const _ of files) {
    // Iterating drives the extraction; the generator must run to its end to close the archive.
  }
  send({ t: 'done' });
} catch (err) {
  send({ t: 'error', reason: (err && err.reason) || null, message: String((err && err.message) || err), file: (err && err.file) || null });
}
`;

const WORKER_URL = new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`);

/**
 * Where the worker imports node-unrar-js from: the package in node_modules, or inside an
 * executable the ESM bundle of it as a data: URL, with its WASM handed over as bytes (it cannot
 * find its .wasm file there).
 */
function unrarModule(): { unrarUrl: string; wasmBinary: ArrayBuffer | undefined } {
  if (unrarSource !== undefined) return unrarSource;
  const bundle = embeddedAsset('unrar.mjs');
  const wasmBinary = embeddedAsset('unrar.wasm');
  unrarSource =
    bundle === undefined || wasmBinary === undefined
      ? { unrarUrl: import.meta.resolve('node-unrar-js'), wasmBinary: undefined }
      : {
          unrarUrl: `data:text/javascript;base64,${Buffer.from(bundle).toString('base64')}`,
          wasmBinary,
        };
  return unrarSource;
}
let unrarSource: ReturnType<typeof unrarModule> | undefined;
/** Messages (so data blocks) the worker may have queued ahead of the sink. */
const MAX_IN_FLIGHT = 4;

type WorkerMessage =
  | { t: 'begin'; name: string }
  | { t: 'data'; bytes: Uint8Array }
  | { t: 'end' }
  | { t: 'done' }
  | { t: 'error'; reason: string | null; message: string; file: string | null };

/** unrar's result codes, in our error vocabulary. */
function unrarFailure(
  archive: string,
  reason: string | null,
  message: string,
  file: string | null,
): LanspreadError {
  const where = file === null ? archive : `${archive}: ${file}`;
  switch (reason) {
    case 'ERAR_BAD_DATA':
      return new LanspreadError(
        'archive-data-crc',
        `${where}: the archive data is damaged (${message})`,
      );
    case 'ERAR_MISSING_PASSWORD':
    case 'ERAR_BAD_PASSWORD':
      return new LanspreadError('archive-encrypted', `${where}: encrypted (made with a password)`);
    case 'ERAR_UNKNOWN_FORMAT':
    case 'ERAR_BAD_ARCHIVE':
      return new LanspreadError('archive-unsupported', `${where}: ${message}`);
    case 'ERAR_NO_MEMORY':
      return new LanspreadError(
        'archive-unsupported',
        `${where}: needs more memory than the embedded extractor has (${message})`,
      );
    case 'ERAR_EREAD':
      return new LanspreadError(
        'archive-truncated',
        `${where}: the archive ends early (${message})`,
      );
    case 'ERAR_EOPEN':
      return new LanspreadError(
        'archive-unreadable',
        `${where}: a volume of the set cannot be opened (${message})`,
      );
    default:
      return new LanspreadError('archive-unreadable', `${where}: ${message}`);
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new LanspreadError('cancelled', 'cancelled');
}

async function extract(
  firstVolume: string,
  skip: ReadonlySet<string>,
  sink: EntrySink,
  signal: AbortSignal,
): Promise<void> {
  signal.throwIfAborted();
  const credits = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER_URL, {
    workerData: {
      ...unrarModule(),
      archive: firstVolume,
      skip: [...skip],
      credits: credits.buffer,
      maxInFlight: MAX_IN_FLIGHT,
    },
  });
  const queue: WorkerMessage[] = [];
  let wake: (() => void) | null = null;
  // Set from event callbacks, so kept in an object the loop re-reads.
  const state: { failure: Error | null; exited: boolean } = { failure: null, exited: false };
  const poke = (): void => {
    wake?.();
    wake = null;
  };
  worker.on('message', (message: WorkerMessage) => {
    queue.push(message);
    poke();
  });
  worker.on('error', (err) => {
    state.failure ??= err;
    poke();
  });
  worker.on('exit', () => {
    state.exited = true;
    poke();
  });
  const onAbort = (): void => {
    state.failure ??= abortError(signal);
    poke();
  };
  signal.addEventListener('abort', onAbort);
  try {
    for (;;) {
      const message = queue.shift();
      if (message === undefined) {
        if (state.failure !== null) throw state.failure;
        if (state.exited)
          throw new LanspreadError(
            'archive-unreadable',
            `${firstVolume}: the extractor stopped without a result`,
          );
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if (state.failure !== null) throw state.failure;
      switch (message.t) {
        case 'begin':
          await sink.beginFile(message.name);
          break;
        case 'data':
          await sink.write(
            Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength),
          );
          break;
        case 'end':
          await sink.endFile();
          break;
        case 'done':
          return;
        case 'error':
          throw unrarFailure(firstVolume, message.reason, message.message, message.file);
      }
      Atomics.sub(credits, 0, 1);
      Atomics.notify(credits, 0);
    }
  } catch (err) {
    if (err instanceof LanspreadError) throw err;
    if (signal.aborted) throw abortError(signal);
    throw new LanspreadError('archive-unreadable', `${firstVolume}: ${errorMessage(err)}`, {
      cause: err,
    });
  } finally {
    signal.removeEventListener('abort', onAbort);
    await worker.terminate();
  }
}

/** node-unrar-js in a worker thread per job: its WASM state is process-global and its I/O synchronous. */
export const embeddedUnrar: ArchiveProvider = { name: 'embedded', storedBypass: true, extract };
