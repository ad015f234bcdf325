/** Deterministic fixture game roots, generated from seeds, and a SHA-256 manifest to compare roots. */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeStoredRar5, type Rar5SourceEntry } from '../../src/archive/index.js';

export interface FixtureGameSpec {
  id: string;
  /** null = no version.ini (an incomplete root). */
  version: string | null;
  /** Defaults to the id, so two peers given the same spec hold byte-identical roots. */
  seed?: string;
  archives?: { name: string; entries: { path: string; size: number }[] }[];
  /** Plain files of the root beside the archives, e.g. notes.txt. */
  files?: { path: string; size: number }[];
  /** Creates local/ with a marker file, as if installed. */
  installed?: boolean;
}

/** Subtrees of a game root that are never transferred, so never compared. */
export const DEFAULT_MANIFEST_EXCLUDES: readonly string[] = [
  'local',
  '.local.installing',
  '.local.backup',
  '.lanspread',
];

/** The marker file that `installed: true` puts into local/. */
export const INSTALLED_MARKER = 'local/.fixture-installed';

// A fixed mtime keeps archives byte-identical wherever and whenever they are generated.
const FIXTURE_MTIME = new Date('2025-01-01T00:00:00Z');
const CHUNK = 8 * 1024 * 1024;
// Entries are held in memory up to this total per archive; the rest go through temp files.
const IN_MEMORY_BUDGET = 64 * 1024 * 1024;
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** sfc32 seeded from the SHA-256 of a string: fast, and the same bytes on every machine. */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Bytes of the last word not yet handed out, so chunked fills equal one big fill. */
  private spare = 0;
  private spareCount = 0;

  constructor(seed: string) {
    const digest = createHash('sha256').update(seed, 'utf8').digest();
    this.a = digest.readUInt32LE(0);
    this.b = digest.readUInt32LE(4);
    this.c = digest.readUInt32LE(8);
    this.d = digest.readUInt32LE(12);
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Fills `target` with the next bytes of the stream (each word little-endian). */
  fill(target: Uint8Array): void {
    let pos = 0;
    while (this.spareCount > 0 && pos < target.length) {
      target[pos++] = this.spare & 0xff;
      this.spare >>>= 8;
      this.spareCount--;
    }
    const words = Math.floor((target.length - pos) / 4);
    if (LITTLE_ENDIAN && (target.byteOffset + pos) % 4 === 0) {
      const view = new Uint32Array(target.buffer, target.byteOffset + pos, words);
      for (let i = 0; i < words; i++) view[i] = this.nextUint32();
      pos += words * 4;
    } else {
      for (let i = 0; i < words; i++) {
        const w = this.nextUint32();
        target[pos] = w & 0xff;
        target[pos + 1] = (w >>> 8) & 0xff;
        target[pos + 2] = (w >>> 16) & 0xff;
        target[pos + 3] = w >>> 24;
        pos += 4;
      }
    }
    if (pos < target.length) {
      this.spare = this.nextUint32();
      this.spareCount = 4;
      while (pos < target.length) {
        target[pos++] = this.spare & 0xff;
        this.spare >>>= 8;
        this.spareCount--;
      }
    }
  }
}

function streamFor(seed: string, filePath: string): SeededRandom {
  return new SeededRandom(`${seed}\0${filePath}`);
}

/** The bytes that a fixture file or archive entry at `filePath` holds. */
export function fixtureBytes(seed: string, filePath: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  streamFor(seed, filePath).fill(out);
  return out;
}

/** Writes the fixture bytes of `filePath` to `dest` in bounded chunks. */
async function writeFixtureFile(
  dest: string,
  seed: string,
  filePath: string,
  size: number,
): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  const random = streamFor(seed, filePath);
  const chunk = Buffer.alloc(Math.min(size, CHUNK));
  const fh = await open(dest, 'w');
  try {
    for (let done = 0; done < size;) {
      const part = chunk.subarray(0, Math.min(chunk.length, size - done));
      random.fill(part);
      await fh.write(part, 0, part.length, done);
      done += part.length;
    }
  } finally {
    await fh.close();
  }
}

function ancestorsOf(entryPath: string): string[] {
  const parts = entryPath.split('/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

async function writeFixtureArchive(
  root: string,
  seed: string,
  archive: { name: string; entries: { path: string; size: number }[] },
): Promise<void> {
  if (archive.name.includes('/') || archive.name.includes('\\') || archive.name.startsWith('.')) {
    throw new Error(`fixture archive name must be a plain file name: ${archive.name}`);
  }
  let tempDir: string | null = null;
  try {
    const dirs = new Set(archive.entries.flatMap((e) => ancestorsOf(e.path)));
    const entries: Rar5SourceEntry[] = [...dirs].map((name) => ({
      name,
      kind: 'dir',
      mtime: FIXTURE_MTIME,
    }));
    let inMemory = 0;
    for (const [i, { path: entryPath, size }] of archive.entries.entries()) {
      if (inMemory + size <= IN_MEMORY_BUDGET) {
        inMemory += size;
        const bytes = fixtureBytes(seed, entryPath, size);
        entries.push({ name: entryPath, kind: 'file', mtime: FIXTURE_MTIME, source: { bytes } });
      } else {
        tempDir ??= await mkdtemp(path.join(root, '.fixture-tmp-'));
        const temp = path.join(tempDir, String(i));
        await writeFixtureFile(temp, seed, entryPath, size);
        entries.push({
          name: entryPath,
          kind: 'file',
          mtime: FIXTURE_MTIME,
          source: { path: temp },
        });
      }
    }
    const keyed = entries.map((entry) => ({ entry, key: Buffer.from(entry.name, 'utf8') }));
    keyed.sort((x, y) => Buffer.compare(x.key, y.key));
    await writeStoredRar5(
      path.join(root, archive.name),
      keyed.map(({ entry }) => entry),
    );
  } finally {
    if (tempDir !== null) await rm(tempDir, { recursive: true, force: true });
  }
}

/** Writes `<gamesDir>/<id>/`: archives, plain files, optional local/, and version.ini last. */
export async function writeFixtureGame(gamesDir: string, spec: FixtureGameSpec): Promise<void> {
  const seed = spec.seed ?? spec.id;
  const root = path.join(gamesDir, spec.id);
  await mkdir(root, { recursive: true });
  for (const archive of spec.archives ?? []) await writeFixtureArchive(root, seed, archive);
  for (const file of spec.files ?? []) {
    await writeFixtureFile(path.join(root, file.path), seed, file.path, file.size);
  }
  if (spec.installed) {
    await mkdir(path.join(root, 'local'), { recursive: true });
    await writeFile(path.join(root, INSTALLED_MARKER), `${spec.id}\n`);
  }
  // Last, as a download commits: a root with version.ini is complete.
  if (spec.version !== null) await writeFile(path.join(root, 'version.ini'), `${spec.version}\n`);
}

/**
 * Writes `<gamesDir>/<id>/` with one sparse archive of `bytes` zero bytes (nothing to read from
 * the disk: for speed and cap figures) and version.ini; gives the root's size in bytes.
 */
export async function writeSparseGame(
  gamesDir: string,
  id: string,
  bytes: number,
  version = '20250101',
): Promise<number> {
  const root = path.join(gamesDir, id);
  await mkdir(root, { recursive: true });
  await writeFile(path.join(root, `${id}.eti`), '');
  await truncate(path.join(root, `${id}.eti`), bytes);
  await writeFile(path.join(root, 'version.ini'), `${version}\n`);
  return bytes + version.length + 1;
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1024 * 1024);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

/**
 * Relative path -> SHA-256 hex of every regular file under `root`, in sorted key order.
 * `exclude` (relative paths of subtrees) replaces DEFAULT_MANIFEST_EXCLUDES; symlinks are skipped.
 */
export async function sha256Manifest(
  root: string,
  opts: { exclude?: readonly string[] } = {},
): Promise<Record<string, string>> {
  const exclude = opts.exclude ?? DEFAULT_MANIFEST_EXCLUDES;
  const excluded = (rel: string): boolean =>
    exclude.some((ex) => rel === ex || rel.startsWith(`${ex}/`));
  const files: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const dirent of await readdir(dir, { withFileTypes: true })) {
      const rel = prefix === '' ? dirent.name : `${prefix}/${dirent.name}`;
      if (excluded(rel)) continue;
      if (dirent.isDirectory()) await walk(path.join(dir, dirent.name), rel);
      else if (dirent.isFile()) files.push(rel);
    }
  };
  await walk(root, '');
  files.sort();
  const manifest: Record<string, string> = {};
  for (const rel of files) manifest[rel] = await sha256File(path.join(root, ...rel.split('/')));
  return manifest;
}
