import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openCatalog, writeCatalogFile, type Catalog } from '../../../src/catalog/index.js';
import { LanspreadError } from '../../../src/errors.js';
import { scanLibrary, type LocalGame } from '../../../src/library/index.js';
import { recordingLogger } from '../../support/recording-logger.js';

async function put(path: string, content: string | number | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, typeof content === 'number' ? Buffer.alloc(content, 7) : content);
}

let base: string;
let games: string;
let catalog: Catalog;

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'lanspread-library-'));
  games = join(base, 'games');
  const ids = [
    'ready',
    'stale',
    'nover',
    'installonly',
    'garbage',
    'utf16',
    'symroot',
    'withlink',
    'absent',
    'afile',
  ];
  const catalogFile = join(base, 'catalog.db');
  await writeCatalogFile(
    catalogFile,
    ids.map((id) => ({ id, name: id, version: '20250101' })),
  );
  catalog = await openCatalog(catalogFile);

  // Ready: counted files at the top and in a subfolder; local/ and our folders are not counted.
  await put(join(games, 'ready', 'version.ini'), '20250101\r\n'); // 10
  await put(join(games, 'ready', 'ready.eti'), 100);
  await put(join(games, 'ready', 'notes.txt'), 7);
  await put(join(games, 'ready', 'extras', 'deep', 'map.bin'), 20);
  await put(join(games, 'ready', 'local', 'game.exe'), 1000);
  await put(join(games, 'ready', '.local.installing', 'x'), 50);
  await put(join(games, 'ready', '.local.backup', 'y'), 50);
  await put(join(games, 'ready', '.lanspread', 'journal'), 30);

  await put(join(games, 'stale', 'version.ini'), '20240101\n'); // 9
  await put(join(games, 'stale', 'stale.eti'), 10);

  await put(join(games, 'nover', 'nover.eti'), 40);

  await put(join(games, 'installonly', 'local', 'game.exe'), 500);

  await put(join(games, 'garbage', 'version.ini'), '\u0000\u0001\u0002 not a version'); // 17

  // As Windows Notepad saves it ("Unicode"): UTF-16 LE with a byte-order mark.
  await put(join(games, 'utf16', 'version.ini'), Buffer.from('\uFEFF20250101\r\n', 'utf16le')); // 22

  // A root that is a symlink to a complete root elsewhere: never followed.
  await put(join(base, 'elsewhere', 'version.ini'), '20250101\n');
  await put(join(base, 'elsewhere', 'game.eti'), 64);
  await symlink(join(base, 'elsewhere'), join(games, 'symroot'));

  // Symlinks inside a root pointing outside it: neither counted nor followed.
  await put(join(games, 'withlink', 'version.ini'), '20250101\n'); // 9
  await put(join(base, 'outside.bin'), 4096);
  await symlink(join(base, 'outside.bin'), join(games, 'withlink', 'outside.bin'));
  await symlink(join(base, 'elsewhere'), join(games, 'withlink', 'linked-dir'));

  await put(join(games, 'not-a-game', 'version.ini'), '20250101\n');
  await put(join(games, 'afile'), 'a file named like a game');
  await put(join(games, 'readme.txt'), 'hello');
});

after(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('scanLibrary', () => {
  test('reports each catalog-named root, sorted by id', async () => {
    const result = await scanLibrary(games, catalog, recordingLogger(), new Set());
    const byId = new Map(result.map((g) => [g.id, g]));
    assert.deepEqual(
      result.map((g) => g.id),
      ['garbage', 'installonly', 'nover', 'ready', 'stale', 'utf16', 'withlink'],
    );
    const expect = (
      id: string,
      fields: { version: string | null } & Omit<LocalGame, 'id' | 'version'>,
    ): void => {
      assert.deepEqual(byId.get(id as LocalGame['id']), { id, ...fields }, id);
    };
    expect('ready', {
      version: '20250101',
      downloaded: true,
      installed: true,
      size: 10 + 100 + 7 + 20,
    });
    expect('stale', { version: '20240101', downloaded: true, installed: false, size: 9 + 10 });
    expect('nover', { version: null, downloaded: false, installed: false, size: 40 });
    expect('installonly', { version: null, downloaded: false, installed: true, size: 0 });
    expect('garbage', { version: null, downloaded: true, installed: false, size: 17 });
    expect('utf16', { version: '20250101', downloaded: true, installed: false, size: 22 });
    expect('withlink', { version: '20250101', downloaded: true, installed: false, size: 9 });
  });

  test('logs ignored folders and symlinked roots once across scans', async () => {
    const log = recordingLogger();
    const ignored = new Set<string>();
    await scanLibrary(games, catalog, log, ignored);
    await scanLibrary(games, catalog, log, ignored);
    const warned = log.lines.filter((l) => l.level === 'warn').map((l) => l.fields.folder);
    assert.deepEqual(warned.sort(), ['afile', 'not-a-game', 'symroot']);
    assert.ok(ignored.has('readme.txt'), 'a stray file is noted too, at debug');
  });

  test('a hidden folder (our update staging) is ignored without a warning', async () => {
    await mkdir(join(games, '.lanspread', 'update', 'cnctw'), { recursive: true });
    const log = recordingLogger();
    const found = await scanLibrary(games, catalog, log, new Set());
    assert.equal(
      found.some((g) => g.id.startsWith('.')),
      false,
    );
    const line = log.lines.find((l) => l.fields.folder === '.lanspread');
    assert.equal(line?.level, 'debug');
    await rm(join(games, '.lanspread'), { recursive: true });
  });

  test('a missing games folder is games-dir-unusable', async () => {
    await assert.rejects(
      scanLibrary(join(base, 'no-such-folder'), catalog, recordingLogger(), new Set()),
      (err) => {
        assert.ok(err instanceof LanspreadError);
        assert.equal(err.code, 'games-dir-unusable');
        assert.match(err.message, /no-such-folder/);
        return true;
      },
    );
  });

  test('a games folder that is a file is games-dir-unusable', async () => {
    await assert.rejects(
      scanLibrary(join(base, 'outside.bin'), catalog, recordingLogger(), new Set()),
      {
        code: 'games-dir-unusable',
      },
    );
  });

  test('an empty games folder gives an empty library', async () => {
    const empty = join(base, 'empty-games');
    await mkdir(empty);
    assert.deepEqual(await scanLibrary(empty, catalog, recordingLogger(), new Set()), []);
  });

  test('stops when its signal is aborted', async () => {
    await assert.rejects(
      scanLibrary(games, catalog, recordingLogger(), new Set(), { signal: AbortSignal.abort() }),
      { name: 'AbortError' },
    );
  });

  test('roots deleted during the scan are skipped, not fatal', async () => {
    const churn = join(base, 'churn');
    const ids = Array.from({ length: 300 }, (_, i) => `g${String(i).padStart(3, '0')}`);
    const churnCatalogFile = join(base, 'churn.db');
    await writeCatalogFile(
      churnCatalogFile,
      ids.map((id) => ({ id, name: id, version: '1' })),
    );
    const churnCatalog = await openCatalog(churnCatalogFile);
    for (const id of ids) {
      await put(join(churn, id, 'version.ini'), '1\n');
      await put(join(churn, id, 'sub', 'a.bin'), 3);
      await put(join(churn, id, 'sub', 'b.bin'), 3);
    }
    const log = recordingLogger();
    const scanning = scanLibrary(churn, churnCatalog, log, new Set(), { concurrency: 4 });
    await Promise.all(
      ids.filter((_, i) => i % 2 === 0).map((id) => rm(join(churn, id), { recursive: true })),
    );
    const result = await scanning;
    for (const game of result) {
      assert.ok(ids.includes(game.id));
      assert.ok(game.size <= 8);
    }
    assert.deepEqual(
      await scanLibrary(churn, churnCatalog, log, new Set()).then((r) => r.length),
      150,
    );
  });
});
