/** Unpacks every archive set of a game root into a folder, checked before and after each entry. */
import { copyFile, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  extractPlan,
  planRootArchives,
  type ArchiveProvider,
  type PlannedLink,
} from '../archive/index.js';
import { LanspreadError } from '../errors.js';
import { assertFreeSpace } from '../transfer/index.js';
import { StagingWriter } from './staging-writer.js';

export interface ExtractResult {
  readonly archives: number;
  readonly files: number;
  readonly bytes: number;
}

/**
 * Plans every set first, so an unsafe, encrypted or unsupported archive — or sets unsafe only
 * together — fails before any byte is written and the free space is checked against the whole
 * install. Sets are unpacked in
 * byte-wise name order, so a later archive may replace a file of an earlier one.
 */
export async function extractRootArchives(
  root: string,
  target: string,
  provider: ArchiveProvider,
  signal: AbortSignal,
): Promise<ExtractResult> {
  const plans = await planRootArchives(root);
  const bytes = plans.reduce((sum, plan) => sum + plan.totalBytes, 0);
  await assertFreeSpace(target, bytes);
  let files = 0;
  for (const plan of plans) {
    signal.throwIfAborted();
    await makeDirs(target, plan.dirs);
    const pending = plan.files[Symbol.iterator]();
    const writer = new StagingWriter(target, plan.set.name, () => pending.next().value);
    try {
      await extractPlan(plan, provider, writer, signal);
      const missing = pending.next().value;
      if (missing !== undefined) {
        throw new LanspreadError(
          'archive-data-crc',
          `${plan.set.name}: the extractor ended before ${missing.name}`,
        );
      }
    } finally {
      await writer.close();
    }
    files += plan.files.length;
  }
  await makeLinks(
    target,
    plans.flatMap((plan) => plan.links),
  );
  return { archives: plans.length, files, bytes };
}

export async function makeDirs(target: string, dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) await mkdir(join(target, dir), { recursive: true });
}

/**
 * Made after every file, so no file is ever written through a link; copies (hard links and
 * file references) before symlinks for the same reason. Targets were checked by the plan.
 */
export async function makeLinks(target: string, links: readonly PlannedLink[]): Promise<void> {
  for (const link of links) {
    if (link.kind === 'copy') await copyFile(join(target, link.target), join(target, link.path));
  }
  for (const link of links) {
    if (link.kind !== 'symlink') continue;
    try {
      await symlink(link.target, join(target, link.path));
    } catch (err) {
      throw symlinkFailure(err, link.path);
    }
  }
}

/**
 * Windows makes symlinks only as administrator or with Developer Mode on (EPERM otherwise);
 * a junction needs an absolute target, which the rename of staging to `local/` would break.
 * So the install fails, saying what would make it work.
 */
export function symlinkFailure(
  err: unknown,
  path: string,
  platform: NodeJS.Platform = process.platform,
): unknown {
  if (platform !== 'win32' || (err as NodeJS.ErrnoException).code !== 'EPERM') return err;
  return new LanspreadError(
    'install-failed',
    `${path}: the game holds a symbolic link, which Windows makes only with Developer Mode on (Settings, For developers) or for an administrator; turn it on and install again`,
    { cause: err },
  );
}
