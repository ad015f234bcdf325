/** Lists the regular files of a game root that are transferred: everything but our own folders. */
import type { Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { NOT_TRANSFERRED } from './transferable-path.js';

export interface GameFile {
  /** Relative to the root, `/`-separated. */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

// Every manifest request lists the root again: warn once per odd path, not once per request.
const WARNED_LIMIT = 10_000;
const warned = new Set<string>();
const LSTAT_CONCURRENCY = 32;

/**
 * Every regular file under `root`, byte-wise sorted by path, without local/, the install
 * staging and backup, .lanspread/ and the launch-settings marker. Symlinks are never followed
 * nor listed, so a root cannot reach outside itself.
 */
export async function listGameFiles(root: string, log: Logger): Promise<GameFile[]> {
  const out: { file: GameFile; key: Buffer }[] = [];
  const walk = async (dir: string): Promise<void> => {
    const names = (await readdir(dir === '' ? root : join(root, dir))).filter(
      (name) => dir !== '' || !NOT_TRANSFERRED.has(name),
    );
    // lstat, not the dirent type: it never follows a link and it is what we report.
    const stats = await lstatAll(names.map((name) => join(root, dir, name)));
    const subdirs: string[] = [];
    for (const [i, name] of names.entries()) {
      const path = dir === '' ? name : `${dir}/${name}`;
      const abs = join(root, path);
      const st = stats[i];
      if (st === undefined) {
        warnOnce(log, abs, { root, path }, 'a file vanished while the game root was listed');
      } else if (st.isSymbolicLink()) {
        warnOnce(log, abs, { root, path }, 'a symlink in a game root is never served');
      } else if (st.isDirectory()) {
        subdirs.push(path);
      } else if (st.isFile()) {
        out.push({
          file: { path, size: st.size, mtimeMs: st.mtimeMs },
          key: Buffer.from(path, 'utf8'),
        });
      } else {
        warnOnce(log, abs, { root, path }, 'a special file in a game root is never served');
      }
    }
    for (const sub of subdirs) await walk(sub);
  };
  await walk('');
  out.sort((a, b) => Buffer.compare(a.key, b.key));
  return out.map((e) => e.file);
}

/** lstat of each path, a few at a time (one at a time costs ~1 s per 20 000 files); undefined = vanished. */
async function lstatAll(paths: readonly string[]): Promise<(Stats | undefined)[]> {
  const stats = new Array<Stats | undefined>(paths.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < paths.length; i = next++) {
      const path = paths[i];
      if (path === undefined) return;
      try {
        stats[i] = await lstat(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        stats[i] = undefined;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(LSTAT_CONCURRENCY, paths.length) }, lane));
  return stats;
}

function warnOnce(log: Logger, abs: string, fields: Record<string, unknown>, msg: string): void {
  if (warned.has(abs)) return;
  if (warned.size >= WARNED_LIMIT) warned.clear();
  warned.add(abs);
  log.warn(fields, msg);
}
