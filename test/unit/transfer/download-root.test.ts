import assert from 'node:assert/strict';
import { link, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import type { GameId, GameVersion } from '../../../src/ids.js';
import type { Manifest } from '../../../src/protocol/index.js';
import { pruneExtra } from '../../../src/transfer/download-root.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lanspread-prune-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function manifest(paths: readonly string[]): Manifest {
  return {
    t: 'manifest',
    game: 'cnctw' as GameId,
    version: '2' as GameVersion,
    chunk_size: 65536,
    files: paths.map((path) => ({ path, size: 1, chunks: ['a'.repeat(64)] })),
  };
}

async function put(rel: string): Promise<void> {
  await mkdir(join(root, rel, '..'), { recursive: true });
  await writeFile(join(root, rel), rel);
}

async function tree(dir = root, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await tree(join(dir, e.name), path)));
    else out.push(path);
  }
  return out.sort();
}

test('removes what the manifest does not list, keeping our own folders', async () => {
  await put('Data/a.txt');
  await put('Data/old.txt');
  await put('.lanspread/journal.json');
  await pruneExtra(root, manifest(['Data/a.txt', 'version.ini']));
  assert.deepEqual(await tree(), ['.lanspread/journal.json', 'Data/a.txt']);
});

test('keeps a listed file that the disk knows by another case, removes a different file', async () => {
  await put('Data/a.txt');
  // A hard link shows here what a case-insensitive disk shows: the old version's name for the
  // very file the new version's name was written into.
  await mkdir(join(root, 'data'));
  await link(join(root, 'Data/a.txt'), join(root, 'data/a.txt'));
  await put('DATA/A.TXT'); // on this case-sensitive disk, a file of its own
  await pruneExtra(root, manifest(['Data/a.txt', 'version.ini']));
  assert.deepEqual(await tree(), ['Data/a.txt', 'data/a.txt']);
});
