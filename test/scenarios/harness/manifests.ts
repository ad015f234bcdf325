/** Equality by SHA-256 manifests: source and receiver roots, and an install against its archives. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Manifest } from '../../support/fixture-games.js';
import type { Lab } from './lab.js';

export async function assertSameRoot(
  lab: Lab,
  source: string,
  receiver: string,
  game: string,
): Promise<number> {
  const want = await sha256Manifest(join(lab.gamesDir(source), game));
  const got = await sha256Manifest(join(lab.gamesDir(receiver), game));
  assert.deepEqual(got, want, `${receiver}/${game} differs from ${source}/${game}`);
  return Object.keys(want).length;
}

/**
 * SHA-256 manifest of what an independent extractor (bsdtar, libarchive) makes of the root's
 * `.eti` archives, unpacked in sorted order into one folder — the reference for an install.
 */
export async function referenceExtraction(root: string): Promise<Record<string, string>> {
  const out = await mkdtemp(join(tmpdir(), 'lanspread-bsdtar-'));
  try {
    const archives = (await readdir(root)).filter((n) => n.endsWith('.eti')).sort();
    for (const archive of archives) {
      const run = spawnSync('bsdtar', ['-xf', join(root, archive), '-C', out]);
      assert.ok(
        run.error === undefined,
        `bsdtar (Debian package libarchive-tools) is needed as the reference extractor: ${String(run.error)}`,
      );
      assert.equal(run.status, 0, `bsdtar cannot extract ${archive}: ${run.stderr.toString()}`);
    }
    return await sha256Manifest(out, { exclude: [] });
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** local/ of `game` on `peer` holds exactly what bsdtar makes of the root's archives. */
export async function assertInstalledFromArchives(
  lab: Lab,
  peer: string,
  game: string,
): Promise<number> {
  const root = join(lab.gamesDir(peer), game);
  const want = await referenceExtraction(root);
  const got = await sha256Manifest(join(root, 'local'), { exclude: [] });
  assert.deepEqual(got, want, `${peer}/${game}/local differs from its archives`);
  return Object.keys(want).length;
}
