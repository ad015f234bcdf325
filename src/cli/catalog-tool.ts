/**
 * `lanspread catalog FILE [set ID NAME VERSION [--description TEXT] [--size BYTES] | add GAME_ROOT
 * | remove ID]`: the organiser's offline tool for the party's catalog, so nobody needs sqlite3.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DIGEST_CHUNK_SIZE,
  digestManifest,
  openCatalog,
  writeCatalogFile,
  type CatalogGameInput,
} from '../catalog/index.js';
import { LanspreadError, errorMessage } from '../errors.js';
import { GAME_ID_RULE, isGameId, isGameVersion } from '../ids.js';
import { formatBytes } from '../human-units.js';
import { readGameVersion } from '../library/index.js';
import { createLogger } from '../logger.js';
import { buildManifest } from '../transfer/index.js';

export interface CatalogToolIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

class UsageError extends Error {}

/** Resolves to the exit code: 0 done, 1 the file could not be read or written, 2 bad arguments. */
export async function runCatalogTool(
  argv: readonly string[],
  io: CatalogToolIo,
  usage: string,
): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: { description: { type: 'string' }, size: { type: 'string' } },
      allowPositionals: true,
    });
    // `catalog add FILE GAME_ROOT` is the spelling of issue 16; every other action follows FILE.
    if (positionals[0] === 'add' && positionals.length === 3)
      positionals.splice(0, 2, positionals[1] ?? '', 'add');
    const [file, action, ...rest] = positionals;
    if (file === undefined) throw new UsageError('expects the catalog FILE');
    if (action === undefined) return await list(file, io);
    const games = existsSync(file) ? await readInputs(file) : [];
    if (action === 'set') {
      games.splice(0, games.length, ...set(games, rest, values));
    } else if (action === 'add') {
      const [gameRoot, ...extra] = rest;
      if (gameRoot === undefined || extra.length > 0)
        throw new UsageError('add expects one GAME_ROOT');
      const game = await describeRoot(games, gameRoot);
      games.splice(0, games.length, ...games.filter((g) => g.id !== game.id), game);
      io.stdout.write(
        `${game.id} ${game.version}: ${formatBytes(game.size ?? 0)}, digest ${game.manifestDigest ?? ''}\n`,
      );
    } else if (action === 'remove') {
      const [id, ...extra] = rest;
      if (id === undefined || extra.length > 0) throw new UsageError('remove expects one ID');
      const index = games.findIndex((g) => g.id === id);
      if (index < 0) throw new LanspreadError('unknown-game', `${file} has no game ${id}`);
      games.splice(index, 1);
    } else {
      throw new UsageError(`unknown action ${JSON.stringify(action)} (set, add or remove)`);
    }
    await writeCatalogFile(file, games);
    io.stdout.write(`${file}: ${games.length} game(s)\n`);
    return 0;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    // node:util parseArgs throws ERR_PARSE_ARGS_* for unknown options and missing values.
    if (
      err instanceof UsageError ||
      (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
    ) {
      io.stderr.write(`lanspread catalog: ${errorMessage(err)}\n${usage}\n`);
      return 2;
    }
    io.stderr.write(
      `lanspread catalog: ${err instanceof LanspreadError ? err.code : 'internal'}: ${errorMessage(err)}\n`,
    );
    return 1;
  }
}

async function readInputs(file: string): Promise<CatalogGameInput[]> {
  return (await openCatalog(file)).all().map((g) => ({
    id: g.id,
    name: g.name,
    version: g.version,
    description: g.description,
    size: g.size,
    manifestDigest: g.manifestDigest,
  }));
}

/**
 * The catalog row of a complete game root: id from its folder, version from its version.ini,
 * size and digest from its manifest at the digest's chunk size; name and description kept.
 */
async function describeRoot(
  games: readonly CatalogGameInput[],
  gameRoot: string,
): Promise<CatalogGameInput> {
  const root = resolve(gameRoot);
  const id = basename(root);
  if (!isGameId(id)) {
    throw new UsageError(
      `the folder name ${JSON.stringify(id)} is not a game id (a-z 0-9 . _ -, at most 64)`,
    );
  }
  if (!existsSync(root)) throw new LanspreadError('not-downloaded', `${root} does not exist`);
  const version = await readGameVersion(root);
  if (version === null) {
    throw new LanspreadError(
      'not-downloaded',
      `${root} is not a complete game root: it has no version.ini naming a version (written last, once every file is in place)`,
    );
  }
  const manifest = await buildManifest(
    root,
    id,
    version,
    DIGEST_CHUNK_SIZE,
    null,
    createLogger('warn'),
  );
  const digest = digestManifest(manifest);
  // A manifest we built ourselves at the digest's chunk size always has one.
  if (digest === null)
    throw new LanspreadError('hash-failed', `${root}: no digest for its manifest`);
  const old = games.find((g) => g.id === id);
  return {
    id,
    name: old?.name ?? id,
    version,
    description: old?.description ?? null,
    size: manifest.files.reduce((sum, f) => sum + f.size, 0),
    manifestDigest: digest,
  };
}

function set(
  games: readonly CatalogGameInput[],
  args: readonly string[],
  options: { description?: string; size?: string },
): CatalogGameInput[] {
  const [id, name, version, ...extra] = args;
  if (id === undefined || name === undefined || version === undefined || extra.length > 0) {
    throw new UsageError('set expects ID NAME VERSION (quote a NAME with spaces)');
  }
  if (!isGameId(id)) {
    throw new UsageError(`${JSON.stringify(id)} is not a game id (${GAME_ID_RULE})`);
  }
  if (name.trim() === '') throw new UsageError('the NAME must not be empty');
  if (!isGameVersion(version)) {
    throw new UsageError(`${JSON.stringify(version)} is not a version (printable, no spaces)`);
  }
  const size = options.size === undefined ? undefined : Number(options.size);
  if (size !== undefined && !(Number.isSafeInteger(size) && size >= 0)) {
    throw new UsageError(`--size must be a number of bytes, got ${JSON.stringify(options.size)}`);
  }
  const old = games.find((g) => g.id === id);
  const game: CatalogGameInput = {
    id,
    name,
    version,
    description: options.description ?? old?.description ?? null,
    size: size ?? old?.size ?? null,
    // The digest vouches for one version's bytes; a new version needs a new `add`.
    manifestDigest: old?.version === version ? old.manifestDigest : null,
  };
  return [...games.filter((g) => g.id !== id), game];
}

async function list(file: string, io: CatalogToolIo): Promise<number> {
  for (const g of (await openCatalog(file)).all()) {
    const size = g.size === null ? '' : formatBytes(g.size);
    const digest = g.manifestDigest === null ? '' : `\tdigest ${g.manifestDigest.slice(0, 12)}`;
    io.stdout.write(`${g.id}\t${g.version}\t${size}\t${g.name}${digest}\n`);
  }
  return 0;
}
