/**
 * Replaces a file so that a reader, or a crash, sees the old content or the new, never half a
 * file: written beside it, flushed to the disk, renamed over it. The one temp-name convention:
 * `<file>.<random>.tmp`, unique per write, so two writers of one file never share a temp file.
 * `flush: false` skips the flush, for a file a power cut may lose or leave empty without harm:
 * a process that dies still leaves the old content or the new.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** `<file>.<random>.tmp`: the name of a temp file `writeFileAtomic` writes beside `file`. */
const TEMP_NAME = /^.+\.[0-9a-f]{12}\.tmp$/;

export async function writeFileAtomic(
  file: string | Buffer,
  data: string | Uint8Array,
  opts: { mode?: number; flush?: boolean } = {},
): Promise<void> {
  const suffix = `.${randomBytes(6).toString('hex')}.tmp`; // 12 hex digits: TEMP_NAME
  const temp =
    typeof file === 'string' ? file + suffix : Buffer.concat([file, Buffer.from(suffix)]);
  try {
    // 'wx' refuses an existing path, so a link planted at the temp name is never followed.
    const handle = await open(temp, 'wx', opts.mode ?? 0o666);
    try {
      await handle.writeFile(data);
      if (opts.flush !== false) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined); // it may never have been created
    throw err;
  }
}

/**
 * Removes the temp files that writes cut short by a crash left in `dir` (not below it), those
 * last changed at least `olderThanMs` ago: a younger one may be another process's write under
 * way. The file each was to replace still holds its old content. Returns the names removed;
 * one that cannot be removed now is left, not an error.
 */
export async function sweepTempFiles(dir: string, olderThanMs = 0): Promise<string[]> {
  const names = await readdir(dir).catch(() => []);
  const removed: string[] = [];
  for (const name of names.filter((n) => TEMP_NAME.test(n))) {
    const file = join(dir, name);
    const changed = await stat(file).then(
      (s) => (s.isFile() ? s.mtimeMs : undefined),
      () => undefined,
    );
    // No age asked: no clock compared either (an mtime may lie a fraction of a ms past `now`).
    if (changed === undefined || (olderThanMs > 0 && Date.now() - changed < olderThanMs)) continue;
    // A file Windows holds open (an antivirus scan) stays for the next sweep; nothing fails on it.
    if (
      await rm(file, { force: true }).then(
        () => true,
        () => false,
      )
    )
      removed.push(name);
  }
  return removed;
}
