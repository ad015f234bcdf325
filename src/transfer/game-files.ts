/** Lists the regular files of a game root that are transferred: everything but our own folders. */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { NOT_TRANSFERRED } from './transferable-path.js';

export interface GameFile {
  /** Relative to the root, `/`-separated. */
  path: string;
  size: number;
  mtimeMs: number;
}

/** Byte-wise sorted; symlinks are never followed nor listed (a root must not reach outside). */
export async function listGameFiles(root: string, log: Logger): Promise<GameFile[]> {
  const out: GameFile[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(rel === '' ? root : join(root, rel), { withFileTypes: true });
    for (const entry of entries) {
      if (rel === '' && NOT_TRANSFERRED.has(entry.name)) continue;
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isSymbolicLink()) {
        log.warn({ root, path }, 'symlink in a game root is not served');
      } else if (entry.isDirectory()) {
        await walk(path);
      } else if (entry.isFile()) {
        const st = await lstat(join(root, path));
        out.push({ path, size: st.size, mtimeMs: st.mtimeMs });
      }
    }
  };
  await walk('');
  return out.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}
