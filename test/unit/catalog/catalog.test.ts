import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import initSqlJs from 'sql.js/dist/sql-wasm-inline.js';
import { openCatalog, writeCatalogFile } from '../../../src/catalog/index.js';
import { MAX_COVER_BYTES } from '../../../src/catalog/cover-image.js';
import { LanspreadError, type ErrorCode } from '../../../src/errors.js';
import { gradientPng } from '../../support/png-image.js';

const DIGEST = createHash('sha256').update('a manifest').digest('hex');
const PNG = gradientPng(6, 9, [200, 40, 40], [20, 20, 120]);
const NO_METADATA = { genre: null, maxPlayers: null, releaseYear: null, cover: null };
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
      assert.ok(game.maxPlayers !== null && game.maxPlayers >= 2, `${game.id} max players`);
      assert.ok(game.releaseYear !== null && game.releaseYear >= 1999, `${game.id} year`);
      assert.ok(game.genre !== null, `${game.id} genre`);
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
        genre: 'Strategy',
        maxPlayers: 8,
        releaseYear: 1999,
        cover: { type: 'image/png', bytes: PNG },
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
        genre: 'Strategy',
        maxPlayers: 8,
        releaseYear: 1999,
        cover: { type: 'image/png', bytes: new Uint8Array(PNG) },
      },
      {
        id: 'zeta',
        name: 'Zeta',
        description: null,
        size: null,
        version: '2',
        manifestDigest: DIGEST,
        ...NO_METADATA,
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

  test('metadata written by Python: an untyped column holds digits as text, a cover as a BLOB', async () => {
    const file = join(dir, 'python-metadata.db');
    const script = [
      'import sqlite3, sys',
      'db = sqlite3.connect(sys.argv[1])',
      "db.execute('CREATE TABLE games (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT, size INTEGER, eti_game_version TEXT NOT NULL, genre, max_players, release_year, cover BLOB)')",
      "db.execute('INSERT INTO games VALUES (?,?,?,?,?,?,?,?,?)', ('q3a', 'Quake III Arena', None, None, '1.32', '  Shooter ', '16', 1999, open(sys.argv[2], 'rb').read()))",
      "db.execute('INSERT INTO games VALUES (?,?,?,?,?,?,?,?,?)', ('css', 'CS:S', None, None, '1', '', None, None, b''))",
      'db.commit()',
    ].join('\n');
    const png = join(dir, 'python-cover.png');
    writeFileSync(png, PNG);
    execFileSync('python3', ['-c', script, file, png]);
    const catalog = await openCatalog(file);
    const q3a = catalog.get('q3a');
    assert.deepEqual(
      [q3a?.genre, q3a?.maxPlayers, q3a?.releaseYear, q3a?.cover?.type],
      ['Shooter', 16, 1999, 'image/png'],
    );
    assert.deepEqual(q3a?.cover?.bytes, new Uint8Array(PNG));
    // Empty text and an empty blob are how some tools write "none".
    const css = catalog.get('css');
    assert.deepEqual(
      [css?.genre, css?.maxPlayers, css?.releaseYear, css?.cover],
      [null, null, null, null],
    );
  });

  test('bad metadata is catalog-malformed and names the row and column', async () => {
    const gif = `x'${Buffer.from('GIF89a\x01\x00\x01\x00').toString('hex')}'`;
    const big = `x'${Buffer.concat([PNG, Buffer.alloc(MAX_COVER_BYTES)]).toString('hex')}'`;
    for (const [name, value, message] of [
      ['cover', gif, /column cover: the image is not a PNG, JPEG or WebP file/],
      [
        'cover',
        big,
        /column cover: the image is \d+ bytes, over the 2097152 \(2\.00 MiB\) a cover may have/,
      ],
      ['cover', "'cover.png'", /column cover: not an image/],
      ['max_players', '0', /column max_players/],
      ['max_players', "'many'", /column max_players/],
      ['release_year', '20250', /column release_year/],
      ['genre', `'${'x'.repeat(65)}'`, /column genre/],
    ] as const) {
      const file = await sqliteFile(
        `bad-${name}-${Math.random()}.db`,
        `CREATE TABLE games (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT, size INTEGER,
           eti_game_version TEXT NOT NULL, ${name});
         INSERT INTO games VALUES ('g', 'G', NULL, NULL, '1', ${value});`,
      );
      await rejectsWith('catalog-malformed', () => openCatalog(file), message);
    }
  });

  test("writing an existing catalog keeps other tools' columns and tables and adds ours", async () => {
    const file = await sqliteFile(
      'foreign.db',
      `CREATE TABLE games (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT, size INTEGER,
         eti_game_version TEXT NOT NULL, publisher TEXT);
       CREATE TABLE tags (game TEXT, tag TEXT);
       INSERT INTO tags VALUES ('q3a', 'fast');
       INSERT INTO games VALUES ('q3a', 'Quake 3', NULL, 5, '1.32', 'id Software'),
         ('gone', 'Gone', NULL, NULL, '1', 'nobody');`,
    );
    await writeCatalogFile(file, [
      { id: 'q3a', name: 'Quake III Arena', version: '1.32', size: 5, genre: 'Shooter' },
      { id: 'new', name: 'New', version: '2' },
    ]);
    const db = new (await initSqlJs()).Database(readFileSync(file));
    try {
      assert.deepEqual(
        db.exec('SELECT id, name, publisher, genre FROM games ORDER BY id')[0]?.values,
        [
          ['new', 'New', null, null],
          ['q3a', 'Quake III Arena', 'id Software', 'Shooter'],
        ],
      );
      assert.deepEqual(db.exec('SELECT game, tag FROM tags')[0]?.values, [['q3a', 'fast']]);
    } finally {
      db.close();
    }
    assert.equal((await openCatalog(file)).get('q3a')?.genre, 'Shooter');
  });

  test('writing over a file that is no catalog refuses and leaves it alone', async () => {
    const file = join(dir, 'notes.db');
    writeFileSync(file, 'my party notes, not a database\n'.repeat(40));
    await rejectsWith('catalog-malformed', () =>
      writeCatalogFile(file, [{ id: 'q3a', name: 'Quake', version: '1' }]),
    );
    assert.equal(readFileSync(file, 'utf8'), 'my party notes, not a database\n'.repeat(40));
  });
});
