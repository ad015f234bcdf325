/**
 * Replaces a file so that a reader, or a crash, sees the old content or the new, never half a
 * file: written beside it, flushed to the disk, renamed over it. The one temp-name convention:
 * `<file>.<random>.tmp`, unique per write, so two writers of one file never share a temp file.
 * `flush: false` skips the flush, for a file a power cut may lose or leave empty without harm:
 * a process that dies still leaves the old content or the new.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';

export async function writeFileAtomic(
  file: string | Buffer,
  data: string | Uint8Array,
  opts: { mode?: number; flush?: boolean } = {},
): Promise<void> {
  const suffix = `.${randomBytes(6).toString('hex')}.tmp`;
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
