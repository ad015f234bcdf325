/** Writes a small demo games folder, so `npm start` shows a working library on a fresh clone. */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeStoredRar5 } from '../archive/index.js';
import { openCatalog } from '../catalog/index.js';

const DEMO_GAMES = ['ggoo', 'cnctw', 'bf1942'];
const DEMO_MTIME = new Date('2025-01-01T00:00:00Z');

/** Demo bytes: a SHA-256 counter stream, so every demo peer writes the same files. */
function demoBytes(label: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let offset = 0, n = 0; offset < size; n++) {
    offset += createHash('sha256').update(`${label}:${n}`).digest().copy(out, offset);
  }
  return out;
}

/** Creates the demo roots (at the embedded catalog's versions) that are missing; others are kept. */
export async function writeDemoLibrary(gamesDir: string): Promise<string[]> {
  const catalog = await openCatalog();
  const written: string[] = [];
  for (const id of DEMO_GAMES) {
    const game = catalog.get(id);
    const root = join(gamesDir, id);
    if (game === undefined || existsSync(root)) continue;
    await mkdir(root, { recursive: true });
    await writeStoredRar5(join(root, `${id}.eti`), [
      { name: 'bin', kind: 'dir', mtime: DEMO_MTIME },
      {
        name: `bin/${id}.bin`,
        kind: 'file',
        mtime: DEMO_MTIME,
        source: { bytes: demoBytes(id, 256 * 1024) },
      },
      {
        name: 'readme.txt',
        kind: 'file',
        mtime: DEMO_MTIME,
        source: { bytes: Buffer.from(`${game.name}\n`) },
      },
    ]);
    await writeFile(
      join(root, 'notes.txt'),
      `${game.name} — demo game root written by lanspread\n`,
    );
    await writeFile(join(root, 'version.ini'), `${game.version}\n`);
    written.push(id);
  }
  return written;
}
