/** Delivers a planned archive's files to a sink: stored data straight from the volumes, the rest through a provider. */
import { open, type FileHandle } from 'node:fs/promises';
import { LanspreadError, errorMessage } from '../errors.js';
import type { ArchivePlan, PlannedFile, StoredPart } from './archive-plan.js';
import type { ArchiveProvider, EntrySink } from './entry-sink.js';

const BLOCK = 4 * 1024 * 1024;

/**
 * Stored entries are their own bytes, so reading them at their offsets skips the WASM
 * decoder and its copies. Only when every file is stored and has a CRC32 to check it by (the
 * sink checks it); anything else — compressed, BLAKE2 — goes through the provider.
 */
function copyable(plan: ArchivePlan): boolean {
  return plan.files.every((f) => f.stored !== null && f.crc32 !== null && sum(f.stored) === f.size);
}

function sum(parts: readonly StoredPart[]): number {
  return parts.reduce((n, p) => n + p.length, 0);
}

export async function extractPlan(
  plan: ArchivePlan,
  provider: ArchiveProvider,
  sink: EntrySink,
  signal: AbortSignal,
): Promise<void> {
  if (!provider.storedBypass || !copyable(plan)) {
    const skip = new Set(plan.links.map((link) => link.name));
    await provider.extract(plan.set.volumes[0] ?? '', skip, sink, signal);
    return;
  }
  const handles = new Map<string, FileHandle>();
  // Two buffers: the next block is read while the sink writes the current one.
  const buffers = [Buffer.allocUnsafe(BLOCK), Buffer.allocUnsafe(BLOCK)];
  try {
    for (const file of plan.files) {
      await sink.beginFile(file.name);
      await copyFile(file, handles, buffers, sink, signal);
      await sink.endFile();
    }
  } finally {
    for (const handle of handles.values()) await handle.close();
  }
}

async function copyFile(
  file: PlannedFile,
  handles: Map<string, FileHandle>,
  buffers: Buffer[],
  sink: EntrySink,
  signal: AbortSignal,
): Promise<void> {
  let turn = 0;
  // The write of the previous block; always has a handler, so a failing write is never an
  // unhandled rejection while the next block is being read, and is awaited before returning.
  let pendingWrite: Promise<void> = Promise.resolve();
  try {
    for (const part of file.stored ?? []) {
      const handle = handles.get(part.volume) ?? (await openVolume(part.volume));
      handles.set(part.volume, handle);
      for (let done = 0; done < part.length;) {
        signal.throwIfAborted();
        const buffer = buffers[turn++ % buffers.length] ?? Buffer.allocUnsafe(BLOCK);
        const want = Math.min(BLOCK, part.length - done);
        const { bytesRead } = await handle.read(buffer, 0, want, part.offset + done);
        if (bytesRead === 0) {
          throw new LanspreadError('archive-truncated', `${part.volume}: ends inside ${file.name}`);
        }
        done += bytesRead;
        await pendingWrite;
        pendingWrite = sink.write(buffer.subarray(0, bytesRead));
        pendingWrite.catch(() => undefined);
      }
    }
    await pendingWrite;
  } finally {
    await pendingWrite.catch(() => undefined);
  }
}

async function openVolume(volume: string): Promise<FileHandle> {
  try {
    return await open(volume, 'r');
  } catch (err) {
    throw new LanspreadError('archive-unreadable', `cannot open ${volume}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}
