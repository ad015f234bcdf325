/** Reads and writes catalog databases: the one file that touches better-sqlite3 and validates catalog rows. */
import { renameSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { LanspreadError, errorMessage } from '../errors.js';
import { isGameId, isGameVersion, type GameId, type GameVersion } from '../ids.js';
import type { CatalogGame } from './catalog.js';
import { DEFAULT_CATALOG_SQL } from './default-catalog.js';

/** The minimum schema of spec/layout.md, which outside tools may rely on. */
const CATALOG_SCHEMA_SQL = `
CREATE TABLE games (
  id               TEXT PRIMARY KEY,
  name             TEXT NOT NULL,
  description      TEXT,
  size             INTEGER,
  eti_game_version TEXT NOT NULL
);`;

const REQUIRED_COLUMNS = ['id', 'name', 'description', 'size', 'eti_game_version'] as const;

const gameRowSchema = z.object({
  id: z.custom<GameId>((v) => isGameId(v), {
    error: 'not a game id (1-64 of a-z 0-9 . _ -, starting with a letter or digit, no "..")',
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
});

export interface CatalogGameInput {
  id: string;
  name: string;
  version: string;
  description?: string | null;
  size?: number | null;
}

/** Opens a catalog file read-only, reads its games and closes it again. */
export function readCatalogFile(file: string): CatalogGame[] {
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch (err) {
    throw new LanspreadError(
      'catalog-missing',
      `catalog ${file} cannot be found: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  if (!isFile) throw new LanspreadError('catalog-missing', `catalog ${file} is not a file`);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new LanspreadError(
      'catalog-missing',
      `catalog ${file} cannot be opened: ${errorMessage(err)}`,
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
export function readEmbeddedCatalog(): CatalogGame[] {
  const db = new Database(':memory:');
  try {
    db.exec(DEFAULT_CATALOG_SQL);
    return readGames(db, 'embedded');
  } finally {
    db.close();
  }
}

function readGames(db: Database.Database, source: string): CatalogGame[] {
  const malformed = (detail: string, cause?: unknown): LanspreadError =>
    new LanspreadError('catalog-malformed', `catalog ${source}: ${detail}`, { cause });
  let rows: unknown[];
  try {
    const columns = new Set(
      (db.pragma('table_info(games)') as unknown[]).map((c) => (c as { name?: unknown }).name),
    );
    if (columns.size === 0) throw malformed('has no "games" table');
    const missing = REQUIRED_COLUMNS.filter((c) => !columns.has(c));
    if (missing.length > 0)
      throw malformed(`table "games" lacks the column(s) ${missing.join(', ')}`);
    rows = db
      .prepare(`SELECT ${REQUIRED_COLUMNS.join(', ')} FROM games ORDER BY id`)
      .safeIntegers(true)
      .all();
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
    });
  });
  return games;
}

/** Creates (or atomically replaces) a catalog file with the spec schema; rows are written as given, unvalidated. */
export function writeCatalogFile(file: string, games: readonly CatalogGameInput[]): void {
  const temp = `${file}.${process.pid}.tmp`;
  rmSync(temp, { force: true });
  try {
    const db = new Database(temp);
    try {
      db.exec(CATALOG_SCHEMA_SQL);
      const insert = db.prepare(
        'INSERT INTO games (id, name, description, size, eti_game_version) VALUES (?, ?, ?, ?, ?)',
      );
      db.transaction(() => {
        for (const g of games)
          insert.run(g.id, g.name, g.description ?? null, g.size ?? null, g.version);
      })();
    } finally {
      db.close();
    }
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
