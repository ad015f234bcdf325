import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { openCatalog, writeCatalogFile } from '../../../src/catalog/index.js';
import { LanspreadError, type ErrorCode } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'lanspread-catalog-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function rejectsWith(code: ErrorCode, fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof LanspreadError, `expected a LanspreadError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (message !== undefined) assert.match(err.message, message);
    return true;
  });
}

/** Makes a database file by hand, for shapes writeCatalogFile would never produce. */
function sqliteFile(name: string, sql: string): string {
  const file = join(dir, name);
  const db = new Database(file);
  db.exec(sql);
  db.close();
  return file;
}

describe('embedded default catalog', () => {
  test('loads the seed games, sorted by id, at version 20250101', () => {
    const catalog = openCatalog();
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
  test('a written catalog round-trips', () => {
    const file = join(dir, 'round-trip.db');
    writeCatalogFile(file, [
      { id: 'zeta', name: 'Zeta', version: '2' },
      {
        id: 'alpha',
        name: 'Alpha',
        version: '20240101',
        description: 'first',
        size: 12_345_678_901,
      },
    ]);
    const catalog = openCatalog(file);
    assert.equal(catalog.source, file);
    assert.deepEqual(catalog.all(), [
      {
        id: 'alpha',
        name: 'Alpha',
        description: 'first',
        size: 12_345_678_901,
        version: '20240101',
      },
      { id: 'zeta', name: 'Zeta', description: null, size: null, version: '2' },
    ]);
    assert.equal(catalog.get('zeta')?.version, '2');
  });

  test('writing again replaces the catalog', () => {
    const file = join(dir, 'replace.db');
    writeCatalogFile(file, [{ id: 'one', name: 'One', version: '1' }]);
    writeCatalogFile(file, [{ id: 'two', name: 'Two', version: '2' }]);
    assert.deepEqual(
      openCatalog(file)
        .all()
        .map((g) => g.id),
      ['two'],
    );
  });

  test('accepts extra tables and columns', () => {
    const file = sqliteFile(
      'extras.db',
      `CREATE TABLE games (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT, size INTEGER,
         eti_game_version TEXT NOT NULL, genre TEXT, max_players INTEGER);
       CREATE TABLE covers (id TEXT, png BLOB);
       INSERT INTO games VALUES ('q3a', 'Quake III Arena', NULL, 5, '1.32', 'shooter', 16);`,
    );
    assert.equal(openCatalog(file).get('q3a')?.version, '1.32');
  });

  test('a missing file is catalog-missing and names the path', () => {
    const file = join(dir, 'does-not-exist.db');
    rejectsWith('catalog-missing', () => openCatalog(file), /does-not-exist\.db/);
  });

  test('a folder is catalog-missing', () => {
    rejectsWith('catalog-missing', () => openCatalog(dir));
  });

  test('a text file is catalog-malformed', () => {
    const file = join(dir, 'text.db');
    writeFileSync(file, 'this is not a database, just some words\n'.repeat(100));
    rejectsWith('catalog-malformed', () => openCatalog(file), /not a readable SQLite catalog/);
  });

  test('a database without a games table is catalog-malformed', () => {
    const file = sqliteFile('no-games.db', 'CREATE TABLE other (id TEXT);');
    rejectsWith('catalog-malformed', () => openCatalog(file), /no "games" table/);
  });

  test('an empty file is catalog-malformed (an empty database has no games table)', () => {
    const file = join(dir, 'empty.db');
    writeFileSync(file, '');
    rejectsWith('catalog-malformed', () => openCatalog(file), /no "games" table/);
  });

  test('a games table without eti_game_version is catalog-malformed and names the column', () => {
    const file = sqliteFile(
      'no-version.db',
      'CREATE TABLE games (id TEXT PRIMARY KEY, name TEXT, description TEXT, size INTEGER);',
    );
    rejectsWith(
      'catalog-malformed',
      () => openCatalog(file),
      /lacks the column\(s\) eti_game_version/,
    );
  });

  test('a row with a bad id is catalog-malformed and names the row and column', () => {
    const file = join(dir, 'bad-id.db');
    writeCatalogFile(file, [
      { id: 'good', name: 'Good', version: '1' },
      { id: '../x', name: 'Escape', version: '1' },
    ]);
    rejectsWith('catalog-malformed', () => openCatalog(file), /row 1 \(id "\.\.\/x"\): column id/);
  });

  test('a row with a bad version is catalog-malformed', () => {
    const file = join(dir, 'bad-version.db');
    writeCatalogFile(file, [{ id: 'spaced', name: 'Spaced', version: '2025 01 01' }]);
    rejectsWith(
      'catalog-malformed',
      () => openCatalog(file),
      /id "spaced".*column eti_game_version/,
    );
  });

  test('a size that is text, negative or beyond 2^53 is catalog-malformed', () => {
    for (const [name, size] of [
      ['text', "'big'"],
      ['negative', '-1'],
      ['huge', '9007199254740993'],
    ] as const) {
      const file = sqliteFile(
        `size-${name}.db`,
        `CREATE TABLE games (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT, size INTEGER,
           eti_game_version TEXT NOT NULL);
         INSERT INTO games VALUES ('g', 'G', NULL, ${size}, '1');`,
      );
      rejectsWith('catalog-malformed', () => openCatalog(file), /column size/);
    }
  });

  test('duplicate ids in a table without a primary key are catalog-malformed', () => {
    const file = sqliteFile(
      'duplicates.db',
      `CREATE TABLE games (id TEXT, name TEXT, description TEXT, size INTEGER, eti_game_version TEXT);
       INSERT INTO games VALUES ('dup', 'One', NULL, NULL, '1'), ('dup', 'Two', NULL, NULL, '2');`,
    );
    rejectsWith('catalog-malformed', () => openCatalog(file), /"dup".*more than once/);
  });

  test('opening does not modify the file or leave side files', () => {
    const file = join(dir, 'read-only.db');
    writeCatalogFile(file, [{ id: 'css', name: 'Counter-Strike: Source', version: '20250101' }]);
    const hash = (): string => createHash('sha256').update(readFileSync(file)).digest('hex');
    const before = { hash: hash(), mtime: statSync(file).mtimeMs, files: readdirSync(dir).sort() };
    openCatalog(file);
    openCatalog(file);
    assert.deepEqual(
      { hash: hash(), mtime: statSync(file).mtimeMs, files: readdirSync(dir).sort() },
      before,
    );
  });
});
