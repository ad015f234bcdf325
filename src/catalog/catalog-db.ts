/** Reads and writes catalog databases: the one file that touches sql.js and validates catalog rows. */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
// The build with the WASM inlined: no .wasm file to find at run time, in dist/ or in an executable.
import initSqlJs from 'sql.js/dist/sql-wasm-inline.js';
import type { Database, SqlJsStatic } from 'sql.js';
import { z } from 'zod';
import { writeFileAtomic } from '../atomic-write.js';
import { LanspreadError, errorMessage } from '../errors.js';
import { GAME_ID_RULE, isGameId, isGameVersion, type GameId, type GameVersion } from '../ids.js';
import { checkCover, type CoverImage } from './cover-image.js';
import { DEFAULT_CATALOG_SQL } from './default-catalog.js';
import { isDigest } from './manifest-digest.js';
import { MAX_GENRE_LENGTH, MAX_PLAYERS_RANGE, RELEASE_YEAR_RANGE } from './metadata-limits.js';

const REQUIRED_COLUMNS = ['id', 'name', 'description', 'size', 'eti_game_version'] as const;
/**
 * Ours and optional, with their SQL types: catalogs written before a column, or by other tools,
 * lack it (no digest vouches for nothing; no metadata shows none). Added to a file when written.
 */
const OPTIONAL_COLUMNS = {
  manifest_digest: 'TEXT',
  genre: 'TEXT',
  max_players: 'INTEGER',
  release_year: 'INTEGER',
  cover: 'BLOB',
} as const;

/** The minimum schema of docs/layout.md, which outside tools may rely on, and our optional columns. */
const CATALOG_SCHEMA_SQL = `
CREATE TABLE games (
  id               TEXT PRIMARY KEY,
  name             TEXT NOT NULL,
  description      TEXT,
  size             INTEGER,
  eti_game_version TEXT NOT NULL${Object.entries(OPTIONAL_COLUMNS)
    .map(([name, type]) => `,\n  ${name.padEnd(16)} ${type}`)
    .join('')}
);`;

/** A whole number in a range, read as SQLite stores it: an integer, or digits as text (an untyped column). */
function wholeNumber({ min, max }: { min: number; max: number }) {
  return z
    .union([
      z.bigint(),
      z
        .string()
        .trim()
        .regex(/^\d{1,9}$/),
    ])
    .transform((v) => Number(v))
    .pipe(z.number().int().min(min).max(max))
    .nullable()
    .default(null);
}

const gameRowSchema = z.object({
  id: z.custom<GameId>((v) => isGameId(v), {
    error: `not a game id (${GAME_ID_RULE})`,
  }),
  name: z.string().trim().min(1),
  description: z.string().nullable(),
  // Read as bigint so that a size beyond 2^53 is reported instead of silently rounded.
  size: z
    .bigint()
    .min(0n)
    .max(BigInt(Number.MAX_SAFE_INTEGER))
    .transform((n) => Number(n))
    .nullable(),
  eti_game_version: z.custom<GameVersion>((v) => isGameVersion(v), {
    error: 'not a game version (1-64 printable ASCII characters, no spaces)',
  }),
  // An empty text is how some tools write "none"; anything else must be a digest.
  manifest_digest: z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .refine((s) => s === '' || isDigest(s), {
      error: 'not a manifest digest (64 hex digits, docs/protocol.md)',
    })
    .transform((s) => (s === '' ? null : s))
    .nullable()
    .default(null),
  genre: z
    .string()
    .trim()
    .max(MAX_GENRE_LENGTH)
    .transform((s) => (s === '' ? null : s))
    .nullable()
    .default(null),
  max_players: wholeNumber(MAX_PLAYERS_RANGE),
  release_year: wholeNumber(RELEASE_YEAR_RANGE),
  // An empty blob, like an empty text, is how some tools write "none".
  cover: z
    .instanceof(Uint8Array, { error: 'not an image (a BLOB of PNG, JPEG or WebP bytes)' })
    .transform((bytes, ctx) => {
      if (bytes.length === 0) return null;
      const cover = checkCover(bytes);
      if (typeof cover === 'string') ctx.addIssue({ code: 'custom', message: cover });
      return typeof cover === 'string' ? z.NEVER : cover;
    })
    .nullable()
    .default(null),
});

/** One game of the catalog, as every part sees it. */
export interface CatalogGame {
  readonly id: GameId;
  readonly name: string;
  readonly description: string | null;
  /** Bytes of the game root; informational only. */
  readonly size: number | null;
  /** The authoritative version (column `eti_game_version`). */
  readonly version: GameVersion;
  /** The organiser's digest of the root's manifest (docs/protocol.md), or null: no source is vouched for. */
  readonly manifestDigest: string | null;
  readonly genre: string | null;
  readonly maxPlayers: number | null;
  readonly releaseYear: number | null;
  /** Cover art, checked (type by magic bytes, at most MAX_COVER_BYTES); null: none. */
  readonly cover: CoverImage | null;
}

export interface CatalogGameInput {
  id: string;
  name: string;
  version: string;
  description?: string | null;
  size?: number | null;
  manifestDigest?: string | null;
  genre?: string | null;
  maxPlayers?: number | null;
  releaseYear?: number | null;
  cover?: CoverImage | null;
}

let sqlJs: Promise<SqlJsStatic> | undefined;

/** SQLite as WASM, compiled once per process on first use. */
function sqlite(): Promise<SqlJsStatic> {
  return (sqlJs ??= initSqlJs());
}

/** Reads a catalog file (the bytes, never opened for writing), validates its games. */
export async function readCatalogFile(file: string): Promise<CatalogGame[]> {
  let isFile: boolean;
  try {
    isFile = (await stat(file)).isFile();
  } catch (err) {
    throw new LanspreadError(
      'catalog-missing',
      `catalog ${file} cannot be found: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  if (!isFile) throw new LanspreadError('catalog-missing', `catalog ${file} is not a file`);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new LanspreadError(
      'catalog-missing',
      `catalog ${file} cannot be opened: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  const { Database } = await sqlite();
  let db: Database;
  try {
    db = new Database(bytes);
  } catch (err) {
    throw new LanspreadError(
      'catalog-malformed',
      `catalog ${file}: is not a readable SQLite catalog: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  try {
    return readGames(db, file);
  } finally {
    db.close();
  }
}

/** The default catalog: the shipped SQL script run into an in-memory database, then read like a file. */
export async function readEmbeddedCatalog(): Promise<CatalogGame[]> {
  const { Database } = await sqlite();
  const db = new Database();
  try {
    db.exec(DEFAULT_CATALOG_SQL);
    return readGames(db, 'embedded');
  } finally {
    db.close();
  }
}

/** Every row of `sql` as column → value, integers as bigint so no size is silently rounded. */
function allRows(db: Database, sql: string): Record<string, unknown>[] {
  const stmt = db.prepare(sql);
  try {
    const rows: Record<string, unknown>[] = [];
    while (stmt.step()) {
      // useBigInt is in sql.js since 1.9; @types/sql.js does not know it yet.
      const values = (stmt.get as (p: null, c: { useBigInt: boolean }) => unknown[])(null, {
        useBigInt: true,
      });
      rows.push(Object.fromEntries(stmt.getColumnNames().map((c, i) => [c, values[i]])));
    }
    return rows;
  } finally {
    stmt.free();
  }
}

function readGames(db: Database, source: string): CatalogGame[] {
  const malformed = (detail: string, cause?: unknown): LanspreadError =>
    new LanspreadError('catalog-malformed', `catalog ${source}: ${detail}`, { cause });
  let rows: unknown[];
  try {
    const columns = new Set(allRows(db, 'PRAGMA table_info(games)').map((c) => c.name));
    if (columns.size === 0) throw malformed('has no "games" table');
    const missing = REQUIRED_COLUMNS.filter((c) => !columns.has(c));
    if (missing.length > 0)
      throw malformed(`table "games" lacks the column(s) ${missing.join(', ')}`);
    const read = [
      ...REQUIRED_COLUMNS,
      ...Object.keys(OPTIONAL_COLUMNS).filter((c) => columns.has(c)),
    ];
    rows = allRows(db, `SELECT ${read.join(', ')} FROM games ORDER BY id`);
  } catch (err) {
    if (err instanceof LanspreadError) throw err;
    throw malformed(`is not a readable SQLite catalog: ${errorMessage(err)}`, err);
  }

  const games: CatalogGame[] = [];
  const seen = new Set<string>();
  rows.forEach((raw, index) => {
    const parsed = gameRowSchema.safeParse(raw);
    const rawId = (raw as { id?: unknown }).id;
    const where = `games row ${index + 1} (id ${JSON.stringify(typeof rawId === 'bigint' ? String(rawId) : rawId)})`;
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `column ${i.path.join('.')}: ${i.message}`);
      throw malformed(`${where}: ${problems.join('; ')}`);
    }
    const row = parsed.data;
    // The primary key makes this impossible in a spec catalog, but a hand-made table may lack it.
    if (seen.has(row.id)) throw malformed(`${where}: the id appears more than once`);
    seen.add(row.id);
    games.push({
      id: row.id,
      name: row.name,
      description: row.description,
      size: row.size,
      version: row.eti_game_version,
      manifestDigest: row.manifest_digest,
      genre: row.genre,
      maxPlayers: row.max_players,
      releaseYear: row.release_year,
      cover: row.cover,
    });
  });
  return games;
}

/**
 * Makes the catalog file hold exactly `games` (rows written as given, unvalidated), atomically.
 * An existing file is changed in place, so what it holds beyond our columns — other tools' extra
 * columns of the rows kept, other tables — survives; a file that is no catalog is refused.
 */
export async function writeCatalogFile(
  file: string,
  games: readonly CatalogGameInput[],
): Promise<void> {
  const { Database } = await sqlite();
  const existing = existsSync(file) ? await readFile(file) : null;
  let db: Database;
  try {
    db = new Database(existing ?? undefined);
  } catch (err) {
    throw new LanspreadError('catalog-malformed', `catalog ${file}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  let bytes: Uint8Array;
  try {
    if (existing === null) db.exec(CATALOG_SCHEMA_SQL);
    else {
      // Validates the file as a reader would, before anything in it changes.
      readGames(db, file);
      addMissingColumns(db);
    }
    replaceRows(db, games);
    bytes = db.export();
  } finally {
    db.close();
  }
  await writeFileAtomic(file, bytes);
}

function addMissingColumns(db: Database): void {
  const columns = new Set(allRows(db, 'PRAGMA table_info(games)').map((c) => c.name));
  for (const [name, type] of Object.entries(OPTIONAL_COLUMNS)) {
    if (!columns.has(name)) db.exec(`ALTER TABLE games ADD COLUMN ${name} ${type}`);
  }
}

/** Updates the rows kept (their other columns untouched), inserts the new, deletes the rest. */
function replaceRows(db: Database, games: readonly CatalogGameInput[]): void {
  const ids = new Set(games.map((g) => g.id));
  const remove = db.prepare('DELETE FROM games WHERE id = ?');
  const set =
    'name = ?, description = ?, size = ?, eti_game_version = ?, manifest_digest = ?, genre = ?, max_players = ?, release_year = ?, cover = ?';
  const update = db.prepare(`UPDATE games SET ${set} WHERE id = ?`);
  const insert = db.prepare(
    'INSERT INTO games (name, description, size, eti_game_version, manifest_digest, genre, max_players, release_year, cover, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  try {
    for (const { id } of allRows(db, 'SELECT id FROM games')) {
      if (typeof id !== 'string' || !ids.has(id)) remove.run([id as string]);
    }
    for (const g of games) {
      const row = [
        g.name,
        g.description ?? null,
        g.size ?? null,
        g.version,
        g.manifestDigest ?? null,
        g.genre ?? null,
        g.maxPlayers ?? null,
        g.releaseYear ?? null,
        g.cover?.bytes ?? null,
        g.id,
      ];
      update.run(row);
      if (db.getRowsModified() === 0) insert.run(row);
    }
  } finally {
    remove.free();
    update.free();
    insert.free();
  }
}
