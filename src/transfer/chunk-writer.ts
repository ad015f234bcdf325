/**
 * Writes one chunk's bytes at its place in a file, hashes them as they pass, and flushes them:
 * straight to the disk (O_DIRECT) where the system allows it, hashed by a worker thread where
 * there are cores to spare; through the page cache, hashed on the event loop, elsewhere.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { BlockHashers, type HashSession, type OpenHash, openHashHere } from './block-hashers.js';

/**
 * Direct writes need this alignment of memory, file offset and length (4096 covers disks with
 * 4 KiB sectors; most ask for 512).
 */
const ALIGN = 4096;
/**
 * Bytes gathered before a direct write. A data connection reads into the block itself (see
 * `landing`), so this is also its largest read: 4 MiB took a pinned receiver from 1.35 to 1.19
 * CPU-s/GiB against 1 MiB blocks that it read into (1 MiB ones it copied into cost 1.40).
 */
const BLOCK_BYTES = 4 * 1024 * 1024;
/** Blocks a writer holds: one filling while the other is written (a third gained nothing). */
const BLOCKS_PER_WRITER = 2;
/** Blocks for all writers at once (a download runs two connections per source). */
const POOL_BLOCKS = 24;
/**
 * A cached chunk at least this long is flushed at its end, so that a download written through
 * the cache puts its bytes on the disk as it goes. A shorter one is not: its flush is a journal
 * commit and a flush of the disk's cache, which holds every other write of the file system
 * meanwhile (a 9-byte version.ini's took 180–660 ms in the middle of a 1 GiB download here),
 * and its few pages go with the flush of every file after the commit.
 */
const FLUSHED_CHUNK_BYTES = BLOCK_BYTES;

/** Node 20's types declare WebAssembly's types but not the global itself. */
const { Memory } = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (size: { initial: number; maximum: number; shared: true }) => {
        buffer: SharedArrayBuffer;
      };
    };
  }
).WebAssembly;

/**
 * Buffers that direct I/O accepts and worker threads can read. A Node Buffer's address is only
 * 16-byte aligned, and there is no way to ask for more; a WebAssembly memory starts on a page
 * boundary, and a shared one is seen by workers without a copy. It is made once, at its full
 * size: growing it would detach every view of it.
 */
class AlignedBlocks {
  #free: Buffer[] | undefined;
  #hashers: BlockHashers | undefined;

  take(): Buffer | undefined {
    return this.#pool().pop();
  }

  give(block: Buffer): void {
    this.#pool().push(block);
  }

  /** A hash of bytes in the blocks: in a worker thread when there are cores to spare. */
  hashSession(): HashSession {
    this.#pool();
    if (this.#hashers === undefined) throw new Error('the block pool has no hashers');
    return this.#hashers.session();
  }

  #pool(): Buffer[] {
    if (this.#free === undefined) {
      const pages = (POOL_BLOCKS * BLOCK_BYTES) / 65_536;
      const { buffer } = new Memory({ initial: pages, maximum: pages, shared: true });
      this.#free = Array.from({ length: POOL_BLOCKS }, (_, i) =>
        Buffer.from(buffer, i * BLOCK_BYTES, BLOCK_BYTES),
      );
      const cores = availableParallelism();
      this.#hashers = new BlockHashers(buffer, cores > 1 ? Math.min(4, cores - 1) : 0);
    }
    return this.#free;
  }
}

const blocks = new AlignedBlocks();
/** Linux only: Windows and macOS have no such flag (Node's types claim it everywhere). */
const O_DIRECT = constants.O_DIRECT as number | undefined;
/** Cleared when a file system refuses direct writes: from then on every chunk goes through the cache. */
let directWrites = O_DIRECT !== undefined;

export interface ChunkWriter {
  /** `direct` when the bytes bypass the page cache. */
  readonly mode: 'direct' | 'cached';
  /**
   * Takes the chunk's next bytes; `bytes` are the caller's again once this resolves. Bytes that
   * lie where `landing` said they would go are taken where they are, without a copy.
   */
  write(bytes: Buffer): Promise<void>;
  /**
   * Where the bytes at `position` (counted from the writer's start) can be read into, so that
   * `write` need not copy them: a view of at most `max` bytes, or undefined. The bytes before
   * `position` go to `write` first, in order, and the view is read into only once those writes
   * have returned: it may be of a block that is still being written now. It stays this writer's
   * until it is written or the writer closes; whoever reads into it stops doing so (destroys its
   * socket) before calling `close`.
   */
  landing?(position: number, max: number): Buffer | undefined;
  /**
   * Writes what is still held and gives the hash of every byte, not yet digested: a chunk's
   * first part goes on from it over the other parts (see `OpenHash`). Whoever takes it ends it.
   * A long cached chunk is also flushed, so the dirty pages of a download are written as it goes,
   * not all after the commit (see `FLUSHED_CHUNK_BYTES`).
   */
  finish(): Promise<OpenHash>;
  /** Waits for writes under way and lets the file go; call it whatever happened. */
  close(): Promise<void>;
}

/**
 * Told how many of the chunk's bytes, from its start, are on disk (readable from the file) so
 * far; the last bytes short of the alignment are not reported (see `finish`).
 */
export type OnWritten = (bytes: number) => void;

/** A writer for the bytes of [offset, offset + length) of `path`, an existing file. */
export async function openChunkWriter(
  path: string,
  offset: number,
  length: number,
  onWritten: OnWritten = () => undefined,
): Promise<ChunkWriter> {
  const fallback = (): Promise<ChunkWriter> => CachedWriter.open(path, offset, onWritten);
  if (!directWrites || O_DIRECT === undefined || offset % ALIGN !== 0 || length < ALIGN)
    return fallback();
  const held: Buffer[] = [];
  for (let i = 0; i < BLOCKS_PER_WRITER; i++) {
    const block = blocks.take();
    if (block !== undefined) held.push(block);
  }
  if (held.length < 2) {
    // Every block is taken: this chunk is written through the cache rather than wait.
    for (const block of held) blocks.give(block);
    return fallback();
  }
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_WRONLY | O_DIRECT);
  } catch (err) {
    for (const block of held) blocks.give(block);
    if (!refusesDirect(err)) throw err;
    directWrites = false;
    return fallback();
  }
  return new DirectWriter(path, handle, offset, held, blocks.hashSession(), onWritten);
}

/**
 * Hashes and writes each piece at its offset through the page cache; a long chunk is flushed at
 * its end, a short one by the flush after the commit.
 */
class CachedWriter implements ChunkWriter {
  readonly mode = 'cached';
  readonly #handle: FileHandle;
  readonly #hash = createHash('sha256');
  readonly #start: number;
  #at: number;
  readonly #onWritten: OnWritten;

  private constructor(handle: FileHandle, offset: number, onWritten: OnWritten) {
    this.#handle = handle;
    this.#start = offset;
    this.#at = offset;
    this.#onWritten = onWritten;
  }

  static async open(path: string, offset: number, onWritten: OnWritten): Promise<CachedWriter> {
    return new CachedWriter(await open(path, 'r+'), offset, onWritten);
  }

  async write(bytes: Buffer): Promise<void> {
    const at = this.#at;
    this.#at += bytes.length;
    this.#hash.update(bytes);
    await writeAll(this.#handle, bytes, at);
    this.#onWritten(at + bytes.length - this.#start);
  }

  async finish(): Promise<OpenHash> {
    if (this.#at - this.#start >= FLUSHED_CHUNK_BYTES) await this.#handle.datasync();
    return openHashHere(this.#hash);
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }
}

/**
 * Gathers bytes into aligned blocks; each full block is hashed and written with O_DIRECT while
 * the next one fills: no copy into the page cache, and no dirty pages for a flush to wait on.
 * The last bytes short of the alignment are written through the cache.
 */
class DirectWriter implements ChunkWriter {
  readonly mode = 'direct';
  readonly #path: string;
  readonly #handle: FileHandle;
  readonly #hash: HashSession;
  /** Free blocks of this writer; `#block` is the one filling. */
  readonly #spare: Buffer[];
  #block: Buffer;
  #fill = 0;
  /** Where `#block`'s first byte goes in the file. */
  #at: number;
  readonly #start: number;
  readonly #onWritten: OnWritten;
  /** The writes reported so far, in order: a block is reported once those before it are. */
  #reported: Promise<void> = Promise.resolve();
  /** Blocks being hashed and written, oldest first; `done` never rejects. */
  readonly #busy: { block: Buffer; done: Promise<void> }[] = [];
  /** True while a full block has gone and its successor is not there yet. */
  #switching = false;
  #failure: Error | undefined;
  #closed = false;
  /** Set once `finish` gave the hash away: it is no longer this writer's to drop. */
  #handedOver = false;
  /** The write or finish under way, settled or not: one at a time, and close waits for it. */
  #current: Promise<unknown> = Promise.resolve();

  constructor(
    path: string,
    handle: FileHandle,
    offset: number,
    held: Buffer[],
    hash: HashSession,
    onWritten: OnWritten,
  ) {
    this.#path = path;
    this.#handle = handle;
    this.#at = offset;
    this.#start = offset;
    this.#onWritten = onWritten;
    this.#block = held[0] as Buffer;
    this.#spare = held.slice(1);
    this.#hash = hash;
  }

  write(bytes: Buffer): Promise<void> {
    return this.#step(async () => {
      for (let from = 0; from < bytes.length;) {
        this.#throwIfFailed();
        // Landed in place: read straight into the block (see `landing`), no copy.
        const n =
          bytes.buffer === this.#block.buffer &&
          bytes.byteOffset + from === this.#block.byteOffset + this.#fill
            ? Math.min(bytes.length - from, BLOCK_BYTES - this.#fill)
            : bytes.copy(this.#block, this.#fill, from);
        from += n;
        this.#fill += n;
        if (this.#fill === BLOCK_BYTES) await this.#submit(BLOCK_BYTES);
      }
    });
  }

  /**
   * The block that will be filling once the writes before `position` have returned, found by
   * playing `#submit`'s turns ahead: each full block joins the busy ones, and the next is the top
   * spare or else the oldest busy block, which `#submit` waits for before those writes return.
   */
  landing(position: number, max: number): Buffer | undefined {
    if (this.#switching || this.#failure !== undefined || max <= 0) return undefined;
    const into = position - (this.#at - this.#start);
    if (into < this.#fill) return undefined;
    let block = this.#block;
    const turns = Math.floor(into / BLOCK_BYTES);
    if (turns > 0) {
      const spare = [...this.#spare];
      const busy = this.#busy.map((b) => b.block);
      for (let turn = 0; turn < turns; turn++) {
        busy.push(block);
        block = spare.pop() ?? (busy.shift() as Buffer);
      }
    }
    const at = into - turns * BLOCK_BYTES;
    return block.subarray(at, Math.min(BLOCK_BYTES, at + max));
  }

  finish(): Promise<OpenHash> {
    return this.#step(() => this.#finish());
  }

  async #finish(): Promise<OpenHash> {
    const aligned = this.#fill - (this.#fill % ALIGN);
    const tail = Buffer.from(this.#block.subarray(aligned, this.#fill));
    const tailAt = this.#at + aligned;
    if (this.#fill > 0) await this.#submit(aligned);
    await this.#drain();
    this.#throwIfFailed();
    // No flush here: the bytes are with the disk already, and what a flush adds (the disk's own
    // cache, the file's extents) the flush of every file after the commit covers; until then the
    // resume journal is a hint that a resume checks by hash.
    if (tail.length > 0) await writeCached(this.#path, tail, tailAt, false);
    this.#handedOver = true;
    return this.#hash;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#failure ??= new Error(`the writer of ${this.#path} is closed`);
    // A write may still be under way (its caller gave up on it): its blocks go back to the pool
    // only once it has stopped touching them, or it would write into another chunk's.
    await this.#current;
    await this.#drain().catch(() => undefined);
    if (!this.#handedOver) this.#hash.drop();
    for (const block of [this.#block, ...this.#spare]) blocks.give(block);
    await this.#handle.close();
  }

  /**
   * Hashes the filled part of `#block` and writes its first `writable` bytes (a multiple of the
   * alignment), then takes a free block to fill next.
   */
  async #submit(writable: number): Promise<void> {
    const block = this.#block;
    const filled = this.#fill;
    const at = this.#at;
    this.#at += filled;
    this.#fill = 0;
    const hashed = this.#hash.update(block.byteOffset, filled);
    const written =
      writable === 0
        ? Promise.resolve()
        : writeAll(this.#handle, block.subarray(0, writable), at).catch(async (err: unknown) => {
            if (!refusesDirect(err)) throw err;
            // Some file systems take the O_DIRECT open and refuse the write itself.
            directWrites = false;
            await writeCached(this.#path, block.subarray(0, writable), at, true);
          });
    const end = at + writable - this.#start;
    this.#reported = this.#reported
      .then(() => written)
      .then(() => {
        if (this.#failure === undefined) this.#onWritten(end);
      })
      .catch(() => undefined);
    const done = Promise.all([hashed, written]).then(
      () => undefined,
      (err: unknown) => {
        this.#failure ??= err instanceof Error ? err : new Error(String(err));
      },
    );
    this.#busy.push({ block, done });
    const spare = this.#spare.pop();
    if (spare !== undefined) {
      this.#block = spare;
      return;
    }
    this.#switching = true;
    this.#block = await this.#oldestDone();
    this.#switching = false;
  }

  async #drain(): Promise<void> {
    while (this.#busy.length > 0) this.#spare.push(await this.#oldestDone());
  }

  #step<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#current.then(work);
    this.#current = run.catch(() => undefined);
    return run;
  }

  /** The block of the oldest hash and write, once both are done; only called while one is under way. */
  async #oldestDone(): Promise<Buffer> {
    const oldest = this.#busy.shift();
    if (oldest === undefined) throw new Error('no block is being written');
    await oldest.done;
    return oldest.block;
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}

async function writeAll(handle: FileHandle, bytes: Buffer, at: number): Promise<void> {
  for (let done = 0; done < bytes.length;) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, at + done);
    done += bytesWritten;
  }
}

/** Writes `bytes` at `at` through the page cache, on a handle of its own, and flushes them if asked. */
async function writeCached(path: string, bytes: Buffer, at: number, flush: boolean): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await writeAll(handle, bytes, at);
    if (flush) await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** EINVAL: this file system, or this file, does not do direct I/O. */
function refusesDirect(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EINVAL';
}
