/**
 * `lanspread catalog FILE [set ID [NAME VERSION] [--description TEXT] [--size BYTES] [--genre G]
 * [--max-players N] [--year Y] [--cover IMAGE | --no-cover] | add GAME_ROOT | remove ID]`: the
 * organiser's offline tool for the party's catalog, so nobody needs sqlite3.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DIGEST_CHUNK_SIZE,
  MAX_GENRE_LENGTH,
  MAX_PLAYERS_RANGE,
  RELEASE_YEAR_RANGE,
  digestManifest,
  coverSizeProblem,
  openCatalog,
  toCoverImage,
  writeCatalogFile,
  type CatalogGameInput,
  type CoverImage,
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

const ACTIONS = ['set', 'add', 'remove'];

const OPTIONS = {
  description: { type: 'string' },
  size: { type: 'string' },
  genre: { type: 'string' },
  'max-players': { type: 'string' },
  year: { type: 'string' },
  cover: { type: 'string' },
  'no-cover': { type: 'boolean' },
} as const;

type SetOptions = Partial<Record<Exclude<keyof typeof OPTIONS, 'no-cover'>, string>> & {
  'no-cover'?: boolean;
};

/** Resolves to the exit code: 0 done, 1 the file could not be read or written, 2 bad arguments. */
export async function runCatalogTool(
  argv: readonly string[],
  io: CatalogToolIo,
  usage: string,
): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
    });
    // `catalog add FILE GAME_ROOT` (issue 16) and `catalog set FILE ID …` name the action first.
    const [first = '', second = ''] = positionals;
    if (ACTIONS.includes(first) && !ACTIONS.includes(second) && positionals.length >= 3)
      positionals.splice(0, 2, second, first);
    const [file, action, ...rest] = positionals;
    if (file === undefined) throw new UsageError('expects the catalog FILE');
    if (action === undefined) return await list(file, io);
    const games = existsSync(file) ? await readInputs(file) : [];
    if (action === 'set') {
      const cover = await coverOption(values);
      games.splice(0, games.length, ...set(games, rest, values, cover));
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
  return [...(await openCatalog(file)).all()];
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
    // Kept from the row: what the organiser wrote about the game.
    ...old,
    id,
    name: old?.name ?? id,
    version,
    size: manifest.files.reduce((sum, f) => sum + f.size, 0),
    manifestDigest: digest,
  };
}

/** `--cover IMAGE`: its bytes checked (`cover-invalid`); `--no-cover`: null; neither: undefined. */
async function coverOption(options: SetOptions): Promise<CoverImage | null | undefined> {
  const file = options.cover;
  if (file === undefined) return options['no-cover'] === true ? null : undefined;
  if (options['no-cover'] === true) throw new UsageError('--cover and --no-cover contradict');
  let bytes: Buffer;
  try {
    // Checked before reading, so a wrong file named by mistake (a game's archive) is not read.
    const tooLarge = coverSizeProblem((await stat(file)).size);
    if (tooLarge !== null) throw new LanspreadError('cover-invalid', `${file}: ${tooLarge}`);
    bytes = await readFile(file);
  } catch (err) {
    if (err instanceof LanspreadError) throw err;
    throw new LanspreadError('cover-invalid', `${file} cannot be read: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  return toCoverImage(bytes, file);
}

function set(
  games: readonly CatalogGameInput[],
  args: readonly string[],
  options: SetOptions,
  cover: CoverImage | null | undefined,
): CatalogGameInput[] {
  const [id, name, version, ...extra] = args;
  const metadata = metadataOptions(options, cover);
  if (id === undefined || (name === undefined) !== (version === undefined) || extra.length > 0) {
    throw new UsageError('set expects ID NAME VERSION, or ID alone (quote a NAME with spaces)');
  }
  if (!isGameId(id)) {
    throw new UsageError(`${JSON.stringify(id)} is not a game id (${GAME_ID_RULE})`);
  }
  const old = games.find((g) => g.id === id);
  if (name === undefined || version === undefined) {
    // ID alone: the metadata of a game the catalog has.
    if (Object.keys(metadata).length === 0)
      throw new UsageError('set ID alone expects an option to change (--genre, --cover …)');
    if (old === undefined)
      throw new LanspreadError('unknown-game', `the catalog has no game ${id}`);
    return games.map((g) => (g.id === id ? { ...g, ...metadata } : g));
  }
  if (name.trim() === '') throw new UsageError('the NAME must not be empty');
  if (!isGameVersion(version)) {
    throw new UsageError(`${JSON.stringify(version)} is not a version (printable, no spaces)`);
  }
  const game: CatalogGameInput = {
    ...old,
    ...metadata,
    id,
    name,
    version,
    // The digest vouches for one version's bytes; a new version needs a new `add`.
    manifestDigest: old?.version === version ? old.manifestDigest : null,
  };
  return [...games.filter((g) => g.id !== id), game];
}

/** The row's fields the options change; an empty text clears genre, players or year. */
function metadataOptions(
  options: SetOptions,
  cover: CoverImage | null | undefined,
): Partial<CatalogGameInput> {
  const fields: Partial<CatalogGameInput> = {};
  if (options.description !== undefined) fields.description = options.description;
  if (options.size !== undefined) {
    const size = Number(options.size);
    if (!(options.size.trim() !== '' && Number.isSafeInteger(size) && size >= 0)) {
      throw new UsageError(`--size must be a number of bytes, got ${JSON.stringify(options.size)}`);
    }
    fields.size = size;
  }
  if (options.genre !== undefined) {
    const genre = options.genre.trim();
    if (genre.length > MAX_GENRE_LENGTH)
      throw new UsageError(`--genre is at most ${MAX_GENRE_LENGTH} characters`);
    fields.genre = genre === '' ? null : genre;
  }
  if (options['max-players'] !== undefined)
    fields.maxPlayers = wholeOption('--max-players', options['max-players'], MAX_PLAYERS_RANGE);
  if (options.year !== undefined)
    fields.releaseYear = wholeOption('--year', options.year, RELEASE_YEAR_RANGE);
  if (cover !== undefined) fields.cover = cover;
  return fields;
}

function wholeOption(
  name: string,
  text: string,
  range: { min: number; max: number },
): number | null {
  if (text.trim() === '') return null;
  const n = Number(text);
  if (!(/^\s*\d+\s*$/.test(text) && n >= range.min && n <= range.max)) {
    throw new UsageError(
      `${name} must be a whole number from ${range.min} to ${range.max} (or "" for none), got ${JSON.stringify(text)}`,
    );
  }
  return n;
}

async function list(file: string, io: CatalogToolIo): Promise<number> {
  for (const g of (await openCatalog(file)).all()) {
    const size = g.size === null ? '' : formatBytes(g.size);
    const extras = [
      g.manifestDigest === null ? null : `digest ${g.manifestDigest.slice(0, 12)}`,
      g.genre === null ? null : `genre ${g.genre}`,
      g.maxPlayers === null ? null : `players ${g.maxPlayers}`,
      g.releaseYear === null ? null : `year ${g.releaseYear}`,
      g.cover === null ? null : `cover ${g.cover.type} ${formatBytes(g.cover.bytes.length)}`,
    ].flatMap((e) => (e === null ? [] : [`\t${e}`]));
    io.stdout.write(`${g.id}\t${g.version}\t${size}\t${g.name}${extras.join('')}\n`);
  }
  return 0;
}
