/** The lanspread executables this peer hands out: found in one folder, each with its size and SHA-256. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSingleExecutable } from '../embedded-assets.js';

/** Only these names are ever served; anything else in the folder stays private. */
export const RELEASE_FILE_NAMES = ['lanspread-win-x64.exe', 'lanspread-linux-x64', 'SHA256SUMS'];

/** A release file as it is on disk now. */
export interface ReleaseFileStat {
  name: string;
  path: string;
  size: number;
  mtimeMs: number;
}

export interface ReleaseFile extends ReleaseFileStat {
  sha256: string;
}

/**
 * Where the executables are: beside the running executable when it is a single executable
 * application, else the package's `release/` (where `npm run dist` writes them).
 */
export function defaultReleaseDir(): string {
  if (isSingleExecutable) return dirname(process.execPath);
  return fileURLToPath(new URL('../../release/', import.meta.url));
}

/**
 * The release files of one folder, listed afresh on every call (the organiser may rebuild while
 * serve runs); each file is hashed once per size and mtime, by streaming, off the request path
 * of any other file.
 */
export class ReleaseFiles {
  readonly dir: string;
  readonly #hashes = new Map<string, { key: string; sha256: Promise<string> }>();

  constructor(dir: string) {
    this.dir = dir;
  }

  async list(): Promise<ReleaseFile[]> {
    const files = await Promise.all(RELEASE_FILE_NAMES.map((name) => this.find(name)));
    return Promise.all(
      files
        .filter((file) => file !== null)
        .map(async (file) => ({
          ...file,
          sha256: await this.#sha256(file),
        })),
    );
  }

  /** One file by its exact name, or null when it is not a release file present now. */
  async find(name: string): Promise<ReleaseFileStat | null> {
    if (!RELEASE_FILE_NAMES.includes(name)) return null;
    const path = join(this.dir, name);
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    if (!info.isFile()) return null;
    return { name, path, size: info.size, mtimeMs: info.mtimeMs };
  }

  #sha256({ name, path, size, mtimeMs }: ReleaseFileStat): Promise<string> {
    const key = `${size}:${mtimeMs}`;
    let cached = this.#hashes.get(name);
    if (cached?.key !== key) {
      cached = { key, sha256: sha256OfFile(path) };
      this.#hashes.set(name, cached);
      // A failed hash is tried again on the next call, not remembered.
      const entry = cached;
      entry.sha256.catch(() => {
        if (this.#hashes.get(name) === entry) this.#hashes.delete(name);
      });
    }
    return cached.sha256;
  }
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
