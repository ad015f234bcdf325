/** Unpacks every archive set of a game root into a folder, checked before and after each entry. */
import { copyFile, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  extractPlan,
  findRootArchives,
  planArchiveSet,
  type ArchivePlan,
  type ArchiveProvider,
} from '../archive/index.js';
import { assertFreeSpace } from '../transfer/index.js';
import { StagingWriter } from './staging-writer.js';

export interface ExtractResult {
  readonly archives: number;
  readonly files: number;
  readonly bytes: number;
}

/**
 * Plans every set first, so an unsafe, encrypted or unsupported archive fails before any byte is
 * written and the free space is checked against the whole install. Sets are unpacked in
 * byte-wise name order, so a later archive may replace a file of an earlier one.
 */
export async function extractRootArchives(
  root: string,
  target: string,
  provider: ArchiveProvider,
  signal: AbortSignal,
): Promise<ExtractResult> {
  const plans: ArchivePlan[] = [];
  for (const set of await findRootArchives(root)) plans.push(await planArchiveSet(set));
  const bytes = plans.reduce((sum, plan) => sum + plan.totalBytes, 0);
  await assertFreeSpace(target, bytes);
  let files = 0;
  for (const plan of plans) {
    signal.throwIfAborted();
    for (const dir of plan.dirs) await mkdir(join(target, dir), { recursive: true });
    const writer = new StagingWriter(target, plan.set.name, plan.files, () => undefined);
    try {
      await extractPlan(plan, provider, writer, signal);
      writer.finish();
    } finally {
      await writer.close();
    }
    files += plan.files.length;
  }
  // Links come last, so no file is ever written through one; copies before symlinks for the same reason.
  for (const plan of plans) {
    for (const link of plan.links) {
      if (link.kind === 'copy') await copyFile(join(target, link.target), join(target, link.path));
    }
  }
  for (const plan of plans) {
    for (const link of plan.links) {
      if (link.kind === 'symlink') await symlink(link.target, join(target, link.path));
    }
  }
  return { archives: plans.length, files, bytes };
}
