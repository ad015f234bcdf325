/**
 * Writes one chunk's bytes at its place in a file and flushes them: straight to the disk
 * (O_DIRECT) where the system allows it, through the page cache elsewhere.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/**
 * Direct writes need this alignment of memory, file offset and length (4096 covers disks with
 * 4 KiB sectors; most ask for 512).
 */
const ALIGN = 4096;
/** Bytes gathered before a direct write; 1 MiB writes keep a disk near its sequential speed. */
const BLOCK_BYTES = 1024 * 1024;
/** Blocks a writer holds: one filling while the others are written. */
const BLOCKS_PER_WRITER = 3;
/** Blocks for all writers at once (a download runs two connections per source). */
const POOL_BLOCKS = 48;

/**
 * Buffers that direct I/O accepts. A Node Buffer's address is only 16-byte aligned, and there
 * is no way to ask for more; a WebAssembly memory starts on a page boundary, so it is cut into
 * the blocks. It is made once, at its full size: growing it would detach every view of it.
 */
/** Node's types for Node 20 declare WebAssembly's types but not the global itself. */
const { Memory } = (
  globalThis as unknown as {
    WebAssembly: { Memory: new (size: { initial: number }) => { buffer: ArrayBuffer } };
  }
).WebAssembly;

class AlignedBlocks {
  #free: Buffer[] | undefined;

  take(): Buffer | undefined {
    if (this.#free === undefined) {
      const memory = new Memory({ initial: (POOL_BLOCKS * BLOCK_BYTES) / 65_536 });
      this.#free = Array.from({ length: POOL_BLOCKS }, (_, i) =>
        Buffer.from(memory.buffer, i * BLOCK_BYTES, BLOCK_BYTES),
      );
    }
    return this.#free.pop();
  }

  give(block: Buffer): void {
    this.#free?.push(block);
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
  /** Takes the chunk's next bytes; `bytes` are the caller's again once this resolves. */
  write(bytes: Buffer): Promise<void>;
  /** Writes what is still held and flushes the chunk to the disk. */
  finish(): Promise<void>;
  /** Waits for writes under way and lets the file go; call it whatever happened. */
  close(): Promise<void>;
}

/** A writer for the bytes of [offset, offset + length) of `path`, an existing file. */
export async function openChunkWriter(
  path: string,
  offset: number,
  length: number,
): Promise<ChunkWriter> {
  const fallback = (): Promise<ChunkWriter> => CachedWriter.open(path, offset);
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
  return new DirectWriter(path, handle, offset, held);
}

/** Writes each piece at its offset through the page cache; the flush writes them to the disk. */
class CachedWriter implements ChunkWriter {
  readonly mode = 'cached';
  readonly #handle: FileHandle;
  #at: number;

  private constructor(handle: FileHandle, offset: number) {
    this.#handle = handle;
    this.#at = offset;
  }

  static async open(path: string, offset: number): Promise<CachedWriter> {
    return new CachedWriter(await open(path, 'r+'), offset);
  }

  async write(bytes: Buffer): Promise<void> {
    const at = this.#at;
    this.#at += bytes.length;
    await writeAll(this.#handle, bytes, at);
  }

  async finish(): Promise<void> {
    await this.#handle.datasync();
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }
}

/**
 * Gathers bytes into aligned blocks and writes each full block with O_DIRECT while the next one
 * fills: no copy into the page cache, and no dirty pages for a flush to wait on. The last bytes
 * short of the alignment go through the cache.
 */
class DirectWriter implements ChunkWriter {
  readonly mode = 'direct';
  readonly #path: string;
  readonly #handle: FileHandle;
  /** Free blocks of this writer; `#block` is the one filling. */
  readonly #spare: Buffer[];
  #block: Buffer;
  #fill = 0;
  /** Where `#block`'s first byte goes in the file. */
  #at: number;
  /** Blocks being written, oldest first; each settles to its block. */
  readonly #writing: Promise<Buffer>[] = [];
  #failure: Error | undefined;
  #closed = false;

  constructor(path: string, handle: FileHandle, offset: number, held: Buffer[]) {
    this.#path = path;
    this.#handle = handle;
    this.#at = offset;
    this.#block = held[0] as Buffer;
    this.#spare = held.slice(1);
  }

  async write(bytes: Buffer): Promise<void> {
    for (let from = 0; from < bytes.length;) {
      this.#throwIfFailed();
      const n = bytes.copy(this.#block, this.#fill, from);
      from += n;
      this.#fill += n;
      if (this.#fill === BLOCK_BYTES) await this.#submit();
    }
  }

  async finish(): Promise<void> {
    const aligned = this.#fill - (this.#fill % ALIGN);
    const tail = Buffer.from(this.#block.subarray(aligned, this.#fill));
    const tailAt = this.#at + aligned;
    if (aligned > 0) {
      this.#fill = aligned;
      await this.#submit();
    }
    await this.#drain();
    this.#throwIfFailed();
    // The disk's own cache, and the file's extents, are flushed by the sync all the same.
    await this.#handle.datasync();
    if (tail.length > 0) await writeCached(this.#path, tail, tailAt);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // Its blocks go back to the pool now: nothing may be written into them after this.
    this.#closed = true;
    this.#failure ??= new Error(`the writer of ${this.#path} is closed`);
    await this.#drain().catch(() => undefined);
    for (const block of [this.#block, ...this.#spare]) blocks.give(block);
    await this.#handle.close();
  }

  /** Starts writing the filled part of `#block` and takes a free block to fill next. */
  async #submit(): Promise<void> {
    const block = this.#block;
    const length = this.#fill;
    const at = this.#at;
    this.#at += length;
    this.#fill = 0;
    const written = writeAll(this.#handle, block.subarray(0, length), at)
      .catch(async (err: unknown) => {
        if (!refusesDirect(err)) throw err;
        // Some file systems take the O_DIRECT open and refuse the write itself.
        directWrites = false;
        await writeCached(this.#path, block.subarray(0, length), at);
      })
      .catch((err: unknown) => {
        this.#failure ??= err instanceof Error ? err : new Error(String(err));
      })
      .then(() => block);
    this.#writing.push(written);
    this.#block = this.#spare.pop() ?? (await this.#oldestWritten());
  }

  async #drain(): Promise<void> {
    while (this.#writing.length > 0) this.#spare.push(await this.#oldestWritten());
  }

  /** The block of the oldest write, once it is done; only called while one is under way. */
  async #oldestWritten(): Promise<Buffer> {
    const oldest = this.#writing.shift();
    if (oldest === undefined) throw new Error('no block is being written');
    return oldest;
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

/** Writes and flushes `bytes` at `at` through the page cache, on a handle of its own. */
async function writeCached(path: string, bytes: Buffer, at: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await writeAll(handle, bytes, at);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** EINVAL: this file system, or this file, does not do direct I/O. */
function refusesDirect(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EINVAL';
}
