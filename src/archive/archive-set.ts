/** Finds the `.eti` archives of a game root and groups multi-volume sets (`NAME.partN.eti`). */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LanspreadError, errorMessage } from '../errors.js';

export interface ArchiveSet {
  /** File name of the first volume (or the only file), for messages. */
  readonly name: string;
  /** Absolute paths of the volumes in order; one for a plain archive. */
  readonly volumes: readonly string[];
}

const VOLUME = /^(.+)\.part(\d+)\.eti$/i;

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * The root's archive sets in byte-wise order of their first volume's name. Symlinks and other
 * non-regular files are not archives of the root. Fails with `archive-volume-missing` when a
 * set's numbering has a gap or does not start at 1.
 */
export async function findRootArchives(root: string): Promise<ArchiveSet[]> {
  let names: string[];
  try {
    const entries = await readdir(root, { withFileTypes: true });
    names = entries
      .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.eti'))
      .map((e) => e.name);
  } catch (err) {
    throw new LanspreadError('archive-unreadable', `cannot list ${root}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const sets = new Map<string, { number: number; name: string }[]>();
  for (const name of names) {
    const volume = VOLUME.exec(name);
    const key = volume === null ? name : `${volume[1] ?? ''}\0part`;
    const list = sets.get(key) ?? [];
    list.push({ number: volume === null ? 1 : Number(volume[2]), name });
    sets.set(key, list);
  }
  const result: ArchiveSet[] = [];
  for (const list of sets.values()) {
    list.sort((a, b) => a.number - b.number);
    list.forEach((volume, i) => {
      if (volume.number !== i + 1) {
        throw new LanspreadError(
          'archive-volume-missing',
          `${join(root, volume.name)}: volume ${i + 1} of the set is missing`,
        );
      }
    });
    result.push({
      name: list[0]?.name ?? '',
      volumes: list.map((v) => join(root, v.name)),
    });
  }
  return result.sort((a, b) => byteOrder(a.name, b.name));
}
