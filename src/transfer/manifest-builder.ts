/** Builds a game root's manifest (files and chunk hashes) from the hash cache or by hashing. */
import { join } from 'node:path';
import { LanspreadError } from '../errors.js';
import type { GameId, GameVersion } from '../ids.js';
import type { Logger } from '../logger.js';
import { MAX_MANIFEST_FILES, type Manifest } from '../protocol/index.js';
import { hashFileChunks } from './chunk-hasher.js';
import { listGameFiles } from './game-files.js';
import type { HashCache } from './hash-cache.js';

const inFlight = new Map<string, Promise<Manifest>>();

/** Concurrent requests for the same root share one build, so a swarm does not hash it N times. */
export function buildManifest(
  root: string,
  game: GameId,
  version: GameVersion,
  chunkSize: number,
  cache: HashCache,
  log: Logger,
): Promise<Manifest> {
  const key = `${root}\0${chunkSize}`;
  let pending = inFlight.get(key);
  if (pending === undefined) {
    pending = build(root, game, version, chunkSize, cache, log).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

async function build(
  root: string,
  game: GameId,
  version: GameVersion,
  chunkSize: number,
  cache: HashCache,
  log: Logger,
): Promise<Manifest> {
  const files = await listGameFiles(root, log);
  if (files.length > MAX_MANIFEST_FILES) {
    throw new LanspreadError(
      'download-failed',
      `${game} has ${files.length} files; a manifest holds at most ${MAX_MANIFEST_FILES}`,
    );
  }
  const out: Manifest['files'] = [];
  for (const file of files) {
    const abs = join(root, ...file.path.split('/'));
    let chunks = cache.get(abs, file.size, file.mtimeMs, chunkSize);
    if (chunks === undefined) {
      chunks = await hashFileChunks(abs, file.size, chunkSize);
      cache.set(abs, file.size, file.mtimeMs, chunkSize, chunks);
    }
    out.push({ path: file.path, size: file.size, chunks });
  }
  return { t: 'manifest', game, version, chunk_size: chunkSize, files: out };
}
