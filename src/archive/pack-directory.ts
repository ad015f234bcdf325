/** `lanspread pack`: a folder's directories and regular files as one stored RAR5 archive. */
import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { LanspreadError, errorMessage } from '../errors.js';
import { isSameOrInside } from '../folder-inside.js';
import { caseClash, unportableSegment } from '../portable-name.js';
import {
  writeStoredRar5,
  type Rar5SourceEntry,
  type Rar5WriteOptions,
  type Rar5WriteResult,
} from './rar5-writer.js';

/**
 * Every directory and regular file under `root`, refusing symlinks, special files and names a
 * Windows peer could not unpack (every receiver refuses such an archive, so say it here).
 */
async function collectEntries(
  root: string,
  signal: AbortSignal | undefined,
): Promise<Rar5SourceEntry[]> {
  const entries: Rar5SourceEntry[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    signal?.throwIfAborted();
    for (const name of await readdir(dir)) {
      const rel = prefix === '' ? name : `${prefix}/${name}`;
      // readdir decodes names that are not UTF-8 with U+FFFD; such a name cannot be reopened.
      if (name.includes('\uFFFD')) {
        throw new LanspreadError('archive-source-invalid', `${rel} is not a valid UTF-8 name`);
      }
      const unportable = unportableSegment(name);
      if (unportable !== null) {
        throw new LanspreadError(
          'archive-source-invalid',
          `${JSON.stringify(rel)} cannot be unpacked on Windows: ${JSON.stringify(name)} is ${unportable}; rename it`,
        );
      }
      const full = path.join(dir, name);
      const info = await lstat(full);
      if (info.isSymbolicLink()) {
        throw new LanspreadError(
          'archive-source-invalid',
          `refusing to pack symlink ${rel}: replace it with the file or folder it points to`,
        );
      }
      if (info.isDirectory()) {
        entries.push({ name: rel, kind: 'dir', mtime: info.mtime });
        await walk(full, rel);
      } else if (info.isFile()) {
        entries.push({ name: rel, kind: 'file', mtime: info.mtime, source: { path: full } });
      } else {
        throw new LanspreadError('archive-source-invalid', `refusing to pack special file ${rel}`);
      }
    }
  };
  await walk(root, '');
  const clash = caseClash(
    entries.filter((e) => e.kind === 'file').map((e) => e.name),
    entries.filter((e) => e.kind === 'dir').map((e) => e.name),
  );
  if (clash !== null) throw new LanspreadError('archive-source-invalid', `${clash}; rename one`);
  const keyed = entries.map((entry) => ({ entry, key: Buffer.from(entry.name, 'utf8') }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  return keyed.map(({ entry }) => entry);
}

/**
 * Packs every directory (empty ones too) and regular file under `sourceDir` into a stored RAR5
 * archive, with names relative to `sourceDir` in byte-wise order.
 */
export async function packDirectory(
  sourceDir: string,
  outFile: string,
  opts: Rar5WriteOptions = {},
): Promise<Rar5WriteResult> {
  const root = path.resolve(sourceDir);
  if (isSameOrInside(root, path.resolve(outFile))) {
    throw new LanspreadError(
      'archive-source-invalid',
      `the archive ${outFile} cannot be written inside the folder it packs`,
    );
  }
  let entries: Rar5SourceEntry[];
  try {
    if (!(await stat(root)).isDirectory()) {
      throw new LanspreadError('archive-source-invalid', `${sourceDir} is not a folder`);
    }
    entries = await collectEntries(root, opts.signal);
  } catch (err) {
    if (err instanceof LanspreadError || (opts.signal?.aborted && err === opts.signal.reason)) {
      throw err;
    }
    throw new LanspreadError(
      'archive-source-invalid',
      `cannot read ${sourceDir}: ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
  return writeStoredRar5(outFile, entries, opts);
}
