/** The files of a root being downloaded: where each lands, creating them, and the commit that makes it Ready. */
import { lstat, mkdir, open, readdir, truncate } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { LanspreadError, errorMessage } from '../errors.js';
import { foldName } from '../portable-name.js';
import type { Logger } from '../logger.js';
import type { Manifest } from '../protocol/index.js';
import { listGameFiles } from './game-files.js';
import { removeRetrying, renameRetrying } from './in-use-retry.js';
import { NOT_TRANSFERRED } from './transferable-path.js';

/** version.ini is the commit: it waits here until every other byte is verified. */
const INCOMING_SENTINEL = join('.lanspread', 'version.ini.incoming');
/** Flushes of many small files overlap, so their waits for the disk do too. */
const FLUSHES_AT_ONCE = 8;

/** Where the manifest's `path` is written while the download runs. */
export function targetPath(root: string, path: string): string {
  return join(root, ...targetSegments(path));
}

/** `targetPath`'s folders and name under the root. */
export function targetSegments(path: string): string[] {
  return path === 'version.ini' ? INCOMING_SENTINEL.split(sep) : path.split('/');
}

/** Creates every file at its final size, so chunks can be written at their offsets in any order. */
export async function prepareFiles(root: string, manifest: Manifest): Promise<void> {
  for (const file of manifest.files) {
    const path = targetPath(root, file.path);
    try {
      await mkdir(dirname(path), { recursive: true });
      await (await open(path, 'a')).close();
      await truncate(path, file.size);
    } catch (err) {
      throw new LanspreadError('download-failed', `cannot create ${path}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }
}

/**
 * Removes files the manifest does not list, then writes version.ini: the root is now complete and
 * Ready, every byte verified. Its bytes may not all be on the disk yet: `flushRoot` follows, while
 * the game is already in use, and a flush record (`STATE/flushes/`) covers it until it ends.
 */
export async function commit(root: string, manifest: Manifest): Promise<void> {
  await pruneExtra(root, manifest);
  await renameRetrying(join(root, INCOMING_SENTINEL), join(root, 'version.ini'));
}

/**
 * Syncs every file of the root (as `listGameFiles` lists them) to the disk, a few at a time:
 * after a power cut the root then never lacks bytes.
 */
export async function flushRoot(root: string, log: Logger): Promise<void> {
  const files = (await listGameFiles(root, log)).map((f) => join(root, f.path));
  await Promise.all(
    Array.from({ length: Math.min(FLUSHES_AT_ONCE, files.length) }, async () => {
      for (let path = files.pop(); path !== undefined; path = files.pop()) {
        const handle = await open(path, 'r+');
        try {
          await handle.datasync();
        } finally {
          await handle.close();
        }
      }
    }),
  );
}

/**
 * Takes a committed root back to resume data (version.ini back to its incoming name), for a
 * root whose flush a power cut may have cut short: its next download re-checks every chunk.
 */
export async function uncommit(root: string): Promise<void> {
  await renameRetrying(join(root, 'version.ini'), join(root, INCOMING_SENTINEL));
}

/**
 * Removes the files of the root the manifest does not list. On a case-insensitive disk an
 * older version's `data/a.txt` is the very file the new `Data/a.txt` was written into: a name
 * the manifest lists only in another case stays when it is the same file on disk.
 */
export async function pruneExtra(root: string, manifest: Manifest): Promise<void> {
  const wanted = new Map(manifest.files.map((f) => [foldName(f.path), f.path]));
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (rel === '' && NOT_TRANSFERRED.has(entry.name)) continue;
      if (entry.isDirectory()) {
        await walk(path);
        continue;
      }
      const listed = wanted.get(foldName(path));
      if (listed === path) continue;
      if (listed !== undefined && (await sameFile(join(root, path), targetPath(root, listed))))
        continue;
      await removeRetrying(join(root, path));
    }
  };
  await walk('');
}

async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [x, y] = await Promise.all([lstat(a, { bigint: true }), lstat(b, { bigint: true })]);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}
