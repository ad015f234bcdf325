/** Reads and writes catalog databases: the one file that touches sql.js and validates catalog rows. */
import { readFile, stat } from 'node:fs/promises';
// The build with the WASM inlined: no .wasm file to find at run time, in dist/ or in an executable.
import initSqlJs from 'sql.js/dist/sql-wasm-inline.js';
import type { Database, SqlJsStatic } from 'sql.js';
import { z } from 'zod';
import { writeFileAtomic } from '../atomic-write.js';
import { LanspreadError, errorMessage } from '../errors.js';
import { GAME_ID_RULE, isGameId, isGameVersion, type GameId, type GameVersion } from '../ids.js';
import { DEFAULT_CATALOG_SQL } from './default-catalog.js';
import { isDigest } from './manifest-digest.js';

/** The minimum schema of docs/layout.md, which outside tools may rely on, and our optional digest. */
const CATALOG_SCHEMA_SQL = `
CREATE TABLE games (
  id               TEXT PRIMARY KEY,
  name             TEXT NOT NULL,
  description      TEXT,
  size             INTEGER,
  eti_game_version TEXT NOT NULL,
  manifest_digest  TEXT
);`;

const REQUIRED_COLUMNS = ['id', 'name', 'description', 'size', 'eti_game_version'] as const;
/** Optional: catalogs written before it, or by other tools, lack it and vouch for nothing. */
const DIGEST_COLUMN = 'manifest_digest';

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
}

export interface CatalogGameInput {
  id: string;
  name: string;
  version: string;
  description?: string | null;
  size?: number | null;
  manifestDigest?: string | null;
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
    const read = columns.has(DIGEST_COLUMN)
      ? [...REQUIRED_COLUMNS, DIGEST_COLUMN]
      : REQUIRED_COLUMNS;
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
    });
  });
  return games;
}

/** Creates (or atomically replaces) a catalog file with the spec schema; rows are written as given, unvalidated. */
export async function writeCatalogFile(
  file: string,
  games: readonly CatalogGameInput[],
): Promise<void> {
  const { Database } = await sqlite();
  const db = new Database();
  let bytes: Uint8Array;
  try {
    db.exec(CATALOG_SCHEMA_SQL);
    const insert = db.prepare(
      'INSERT INTO games (id, name, description, size, eti_game_version, manifest_digest) VALUES (?, ?, ?, ?, ?, ?)',
    );
    try {
      for (const g of games) {
        const row = [g.id, g.name, g.description ?? null, g.size ?? null, g.version];
        insert.run([...row, g.manifestDigest ?? null]);
      }
    } finally {
      insert.free();
    }
    bytes = db.export();
  } finally {
    db.close();
  }
  await writeFileAtomic(file, bytes);
}
