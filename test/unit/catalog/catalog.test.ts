import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import initSqlJs from 'sql.js/dist/sql-wasm-inline.js';
import { openCatalog, writeCatalogFile } from '../../../src/catalog/index.js';
import { LanspreadError, type ErrorCode } from '../../../src/errors.js';

const DIGEST = createHash('sha256').update('a manifest').digest('hex');
const dir = mkdtempSync(join(tmpdir(), 'lanspread-catalog-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function rejectsWith(
  code: ErrorCode,
  fn: () => Promise<unknown>,
  message?: RegExp,
): Promise<void> {
  await assert.rejects(fn, (err: unknown) => {
    assert.ok(err instanceof LanspreadError, `expected a LanspreadError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (message !== undefined) assert.match(err.message, message);
    return true;
  });
}

/** Makes a database file by hand, for shapes writeCatalogFile would never produce. */
async function sqliteFile(name: string, sql: string): Promise<string> {
  const file = join(dir, name);
  const db = new (await initSqlJs()).Database();
  db.exec(sql);
  writeFileSync(file, db.export());
  db.close();
  return file;
}

describe('embedded default catalog', () => {
  test('loads the seed games, sorted by id, at version 20250101', async () => {
    const catalog = await openCatalog();
    assert.equal(catalog.source, 'embedded');
    const ids: string[] = catalog.all().map((g) => g.id);
    for (const id of ['alienswarm', 'bf1942', 'ggoo', 'bfbc2', 'cnc4', 'cnctw', 'cod5', 'css']) {
      assert.ok(ids.includes(id), `missing ${id}`);
    }
    assert.ok(ids.length >= 12);
    assert.deepEqual(ids, [...ids].sort());
    for (const game of catalog.all()) {
      assert.equal(game.version, '20250101');
      assert.ok(game.name.length > 0);
      assert.ok(game.size !== null && game.size > 0);
    }
    assert.equal(catalog.get('cnctw')?.name, 'Command & Conquer 3: Tiberium Wars');
    assert.equal(catalog.get('nope'), undefined);
  });
});

describe('catalog file', () => {
  test('a written catalog round-trips', async () => {
    const file = join(dir, 'round-trip.db');
    await writeCatalogFile(file, [
      { id: 'zeta', name: 'Zeta', version: '2', manifestDigest: DIGEST },
      {
        id: 'alpha',
        name: 'Alpha',
        version: '20240101',
        description: 'first',
        size: 12_345_678_901,
      },
    ]);
    const catalog = await openCatalog(file);
    assert.equal(catalog.source, file);
    assert.deepEqual(catalog.all(), [
      {
        id: 'alpha',
        name: 'Alpha',
        description: 'first',
        size: 12_345_678_901,
        version: '20240101',
        manifestDigest: null,
      },
      {
        id: 'zeta',
        name: 'Zeta',
        description: null,
        size: null,
        version: '2',
        manifestDigest: DIGEST,
      },
    ]);
    assert.equal(catalog.get('zeta')?.version, '2');
  });

  test('writing again replaces the catalog', async () => {
    const file = join(dir, 'replace.db');
    await writeCatalogFile(file, [{ id: 'one', name: 'One', version: '1' }]);
    await writeCatalogFile(file, [{ id: 'two', name: 'Two', version: '2' }]);
    assert.deepEqual(
      (await openCatalog(file)).all().map((g) => g.id),
      ['two'],
    );
  });

  test('accepts extra tables and columns', async () => {
    const file = await sqliteFile(
      'extras.db',
      `CREATE TABLE games (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT, size INTEGER,
         eti_game_version TEXT NOT NULL, genre TEXT, max_players INTEGER);
       CREATE TABLE covers (id TEXT, png BLOB);
       INSERT INTO games VALUES ('q3a', 'Quake III Arena', NULL, 5, '1.32', 'shooter', 16);`,
    );
    assert.equal((await openCatalog(file)).get('q3a')?.version, '1.32');
  });

  test('a catalog of the spec schema alone (as the seed and Python tools write it) vouches for nothing', async () => {
    const file = await sqliteFile(
      'seed-schema.db',
      `CREATE TABLE games (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT, size INTEGER,
         eti_game_version TEXT NOT NULL);
       INSERT INTO games VALUES ('cnctw', 'C&C 3', NULL, 7, '20250101');`,
    );
    assert.equal((await openCatalog(file)).get('cnctw')?.manifestDigest, null);
  });

  test('manifest_digest: NULL and empty text are none, hex of any case is a digest, else malformed', async () => {
    const file = await sqliteFile(
      'digests.db',
      `CREATE TABLE games (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT, size INTEGER,
         eti_game_version TEXT NOT NULL, manifest_digest TEXT);
       INSERT INTO games VALUES ('a', 'A', NULL, NULL, '1', NULL), ('b', 'B', NULL, NULL, '1', ''),
         ('c', 'C', NULL, NULL, '1', '${DIGEST.toUpperCase()}');`,
    );
    const catalog = await openCatalog(file);
    assert.deepEqual(
      catalog.all().map((g) => g.manifestDigest),
      [null, null, DIGEST],
    );
    for (const [name, value] of [
      ['short', `'${DIGEST.slice(1)}'`],
      ['not-hex', `'${'g'.repeat(64)}'`],
      ['number', '42'],
    ] as const) {
      const bad = await sqliteFile(
        `digest-${name}.db`,
        `CREATE TABLE games (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT,
           size INTEGER, eti_game_version TEXT NOT NULL, manifest_digest TEXT);
         INSERT INTO games VALUES ('g', 'G', NULL, NULL, '1', ${value});`,
      );
      await rejectsWith('catalog-malformed', () => openCatalog(bad), /column manifest_digest/);
    }
  });

  test('a missing file is catalog-missing and names the path', async () => {
    const file = join(dir, 'does-not-exist.db');
    await rejectsWith('catalog-missing', () => openCatalog(file), /does-not-exist\.db/);
  });

  test('a folder is catalog-missing', async () => {
    await rejectsWith('catalog-missing', () => openCatalog(dir));
  });

  test('a text file is catalog-malformed', async () => {
    const file = join(dir, 'text.db');
    writeFileSync(file, 'this is not a database, just some words\n'.repeat(100));
    await rejectsWith(
      'catalog-malformed',
      () => openCatalog(file),
      /not a readable SQLite catalog/,
    );
  });

  test('a database without a games table is catalog-malformed', async () => {
    const file = await sqliteFile('no-games.db', 'CREATE TABLE other (id TEXT);');
    await rejectsWith('catalog-malformed', () => openCatalog(file), /no "games" table/);
  });

  test('an empty file is catalog-malformed (an empty database has no games table)', async () => {
    const file = join(dir, 'empty.db');
    writeFileSync(file, '');
    await rejectsWith('catalog-malformed', () => openCatalog(file), /no "games" table/);
  });

  test('a games table without eti_game_version is catalog-malformed and names the column', async () => {
    const file = await sqliteFile(
      'no-version.db',
      'CREATE TABLE games (id TEXT PRIMARY KEY, name TEXT, description TEXT, size INTEGER);',
    );
    await rejectsWith(
      'catalog-malformed',
      () => openCatalog(file),
      /lacks the column\(s\) eti_game_version/,
    );
  });

  test('a row with a bad id is catalog-malformed and names the row and column', async () => {
    const file = join(dir, 'bad-id.db');
    await writeCatalogFile(file, [
      { id: 'good', name: 'Good', version: '1' },
      { id: '../x', name: 'Escape', version: '1' },
    ]);
    await rejectsWith(
      'catalog-malformed',
      () => openCatalog(file),
      /row 1 \(id "\.\.\/x"\): column id/,
    );
  });

  test('a row with a bad version is catalog-malformed', async () => {
    const file = join(dir, 'bad-version.db');
    await writeCatalogFile(file, [{ id: 'spaced', name: 'Spaced', version: '2025 01 01' }]);
    await rejectsWith(
      'catalog-malformed',
      () => openCatalog(file),
      /id "spaced".*column eti_game_version/,
    );
  });

  test('a size that is text, negative or beyond 2^53 is catalog-malformed', async () => {
    for (const [name, size] of [
      ['text', "'big'"],
      ['negative', '-1'],
      ['huge', '9007199254740993'],
    ] as const) {
      const file = await sqliteFile(
        `size-${name}.db`,
        `CREATE TABLE games (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT, size INTEGER,
           eti_game_version TEXT NOT NULL);
         INSERT INTO games VALUES ('g', 'G', NULL, ${size}, '1');`,
      );
      await rejectsWith('catalog-malformed', () => openCatalog(file), /column size/);
    }
  });

  test('duplicate ids in a table without a primary key are catalog-malformed', async () => {
    const file = await sqliteFile(
      'duplicates.db',
      `CREATE TABLE games (id TEXT, name TEXT, description TEXT, size INTEGER, eti_game_version TEXT);
       INSERT INTO games VALUES ('dup', 'One', NULL, NULL, '1'), ('dup', 'Two', NULL, NULL, '2');`,
    );
    await rejectsWith('catalog-malformed', () => openCatalog(file), /"dup".*more than once/);
  });

  test('opening does not modify the file or leave side files', async () => {
    const file = join(dir, 'read-only.db');
    await writeCatalogFile(file, [
      { id: 'css', name: 'Counter-Strike: Source', version: '20250101' },
    ]);
    const hash = (): string => createHash('sha256').update(readFileSync(file)).digest('hex');
    const before = { hash: hash(), mtime: statSync(file).mtimeMs, files: readdirSync(dir).sort() };
    await openCatalog(file);
    await openCatalog(file);
    assert.deepEqual(
      { hash: hash(), mtime: statSync(file).mtimeMs, files: readdirSync(dir).sort() },
      before,
    );
  });

  test('reads a WAL-mode catalog written by another SQLite (Python sqlite3)', async () => {
    const file = join(dir, 'python-wal.db');
    const script = [
      'import sqlite3, sys',
      'db = sqlite3.connect(sys.argv[1])',
      "db.execute('PRAGMA journal_mode=WAL')",
      "db.execute('CREATE TABLE games (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT, size INTEGER, eti_game_version TEXT NOT NULL)')",
      "db.executemany('INSERT INTO games VALUES (?,?,?,?,?)', [('css', 'Counter-Strike: Source', 'by Python', 4096, '20250101'), ('ut2004', 'Unreal Tournament 2004', None, None, '3369')])",
      'db.commit()',
      'db.close()',
    ].join('\n');
    execFileSync('python3', ['-c', script, file]);
    assert.equal(readFileSync(file)[18], 2, 'the file header says WAL');
    const catalog = await openCatalog(file);
    assert.deepEqual(
      catalog.all().map((g) => [g.id, g.version, g.size, g.description]),
      [
        ['css', '20250101', 4096, 'by Python'],
        ['ut2004', '3369', null, null],
      ],
    );
  });
});
