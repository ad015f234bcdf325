import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DIGEST_CHUNK_SIZE, digestManifest, openCatalog } from '../../../src/catalog/index.js';
import { runCatalogTool } from '../../../src/cli/catalog-tool.js';
import type { GameId, GameVersion } from '../../../src/ids.js';
import { silentLogger } from '../../../src/logger.js';
import { buildManifest } from '../../../src/transfer/index.js';
import { gradientPng } from '../../support/png-image.js';

const dir = mkdtempSync(join(tmpdir(), 'lanspread-catalog-tool-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function tool(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCatalogTool(
    argv,
    { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } },
    'usage: …',
  );
  return { code, out, err };
}

test('set makes the file, adds and replaces games; list and remove', async () => {
  const file = join(dir, 'party.db');
  assert.equal((await tool(file, 'set', 'css', 'Counter-Strike: Source', '20250101')).code, 0);
  const second = await tool(
    file,
    'set',
    'ut2004',
    'Unreal Tournament 2004',
    '3369',
    '--size',
    '5000000000',
    '--description',
    'fast',
  );
  assert.equal(second.code, 0, second.err);
  assert.equal((await tool(file, 'set', 'css', 'Counter-Strike: Source', '20250202')).code, 0);
  const catalog = await openCatalog(file);
  assert.deepEqual(
    catalog.all().map((g) => [g.id, g.version, g.size, g.description]),
    [
      ['css', '20250202', null, null],
      ['ut2004', '3369', 5_000_000_000, 'fast'],
    ],
  );
  const listed = await tool(file);
  assert.equal(listed.code, 0);
  assert.match(
    listed.out,
    /^css\t20250202\t\tCounter-Strike: Source\nut2004\t3369\t4\.\d+ GiB\tUnreal Tournament 2004\n$/,
  );
  assert.equal((await tool(file, 'remove', 'css')).code, 0);
  assert.deepEqual(
    (await openCatalog(file)).all().map((g) => g.id),
    ['ut2004'],
  );
});

test('bad ids, versions, sizes and actions are usage errors that leave the file alone', async () => {
  const file = join(dir, 'strict.db');
  assert.equal((await tool(file, 'set', 'q3a', 'Quake III Arena', '1.32')).code, 0);
  for (const argv of [
    ['set', '../x', 'Escape', '1'],
    ['set', 'q3a', 'Quake', '1 32'],
    ['set', 'q3a', ' ', '1'],
    ['set', 'q3a', 'Quake', '1', '--size', '-5'],
    ['set', 'q3a'],
    ['rename', 'q3a'],
    ['set', 'q3a', 'Quake', '1', '--colour', 'red'],
  ]) {
    const result = await tool(file, ...argv);
    assert.equal(result.code, 2, `${argv.join(' ')}: ${result.err}`);
    assert.match(result.err, /^lanspread catalog: /);
  }
  assert.deepEqual(
    (await openCatalog(file)).all().map((g) => [g.id, g.version]),
    [['q3a', '1.32']],
  );
});

test('removing a game the catalog lacks, or reading a file that is no catalog, fails with its code', async () => {
  const file = join(dir, 'small.db');
  await tool(file, 'set', 'q3a', 'Quake III Arena', '1.32');
  const missing = await tool(file, 'remove', 'doom');
  assert.equal(missing.code, 1);
  assert.match(missing.err, /unknown-game: .*has no game doom/);
  const absent = await tool(join(dir, 'nope.db'));
  assert.equal(absent.code, 1);
  assert.match(absent.err, /catalog-missing/);
});

/** A game root on disk: an archive, a readme, an installed local/ (never part of a root's files). */
function gameRoot(parent: string, id: string, version: string | null, payload = 'payload'): string {
  const root = join(parent, id);
  mkdirSync(join(root, 'local'), { recursive: true });
  writeFileSync(join(root, `${id}.eti`), payload.repeat(1000));
  writeFileSync(join(root, 'readme.txt'), 'read me\n');
  writeFileSync(join(root, 'local', 'game.exe'), 'installed');
  if (version !== null) writeFileSync(join(root, 'version.ini'), `${version}\r\n`);
  return root;
}

test('add writes the row of a complete root: id from its folder, version, size and digest', async () => {
  const file = join(dir, 'add.db');
  const games = join(dir, 'add-games');
  const root = gameRoot(games, 'ggoo', '20250101');
  const done = await tool(file, 'add', root);
  assert.equal(done.code, 0, done.err);
  assert.match(done.out, /^ggoo 20250101: .*, digest [0-9a-f]{64}\n/);
  const want = digestManifest(
    await buildManifest(
      root,
      'ggoo' as GameId,
      '20250101' as GameVersion,
      DIGEST_CHUNK_SIZE,
      null,
      silentLogger,
    ),
  );
  const row = (await openCatalog(file)).get('ggoo');
  assert.deepEqual(row, {
    id: 'ggoo',
    name: 'ggoo',
    description: null,
    size: 7000 + 8 + 10,
    version: '20250101',
    manifestDigest: want,
    genre: null,
    maxPlayers: null,
    releaseYear: null,
    cover: null,
  });
  assert.match(
    (await tool(file)).out,
    new RegExp(`^ggoo\t20250101\t.*\tggoo\tdigest ${want?.slice(0, 12)}\n$`),
  );

  // Renamed by hand, then the root changes: add again keeps the name, takes the new digest.
  assert.equal((await tool(file, 'set', 'ggoo', 'Goo-Goo Galaxy', '20250101')).code, 0);
  assert.equal((await openCatalog(file)).get('ggoo')?.manifestDigest, want);
  writeFileSync(join(root, 'readme.txt'), 'read me, twice\n');
  // The spelling of issue 16: `catalog add FILE GAME_ROOT`.
  assert.equal((await tool('add', file, root)).code, 0);
  const again = (await openCatalog(file)).get('ggoo');
  assert.equal(again?.name, 'Goo-Goo Galaxy');
  assert.match(again?.manifestDigest ?? '', /^[0-9a-f]{64}$/);
  assert.notEqual(again?.manifestDigest, want);

  // A new version in the catalog is not what the digest vouched for.
  assert.equal((await tool(file, 'set', 'ggoo', 'Goo-Goo Galaxy', '20260101')).code, 0);
  assert.equal((await openCatalog(file)).get('ggoo')?.manifestDigest, null);
});

test('add refuses an incomplete root, a missing one and a folder name that is no game id, leaving the file alone', async () => {
  const file = join(dir, 'add-refused.db');
  const games = join(dir, 'refused-games');
  assert.equal((await tool(file, 'set', 'q3a', 'Quake III Arena', '1.32')).code, 0);
  const before = readFileSync(file);
  const incomplete = await tool(file, 'add', gameRoot(games, 'cnctw', null));
  assert.equal(incomplete.code, 1);
  assert.match(
    incomplete.err,
    /not-downloaded: .*cnctw is not a complete game root: it has no version\.ini/,
  );
  const missing = await tool(file, 'add', join(games, 'nothing'));
  assert.equal(missing.code, 1);
  assert.match(missing.err, /not-downloaded: .*nothing does not exist/);
  const badId = await tool(file, 'add', gameRoot(games, 'Bad Name', '1'));
  assert.equal(badId.code, 2);
  assert.match(badId.err, /"Bad Name" is not a game id/);
  assert.equal((await tool(file, 'add')).code, 2);
  assert.deepEqual(readFileSync(file), before);
});

test('set ID alone gives a game its genre, players, year and cover; add and a renaming set keep them', async () => {
  const file = join(dir, 'metadata.db');
  const png = join(dir, 'q3a.png');
  const art = gradientPng(30, 45, [180, 30, 20], [20, 10, 60]);
  writeFileSync(png, art);
  assert.equal((await tool(file, 'set', 'q3a', 'Quake III Arena', '1.32')).code, 0);
  // Both spellings: FILE set …, and set FILE … as `add FILE GAME_ROOT`.
  const described = await tool(file, 'set', 'q3a', '--genre', ' Shooter ', '--max-players', '16');
  assert.equal(described.code, 0, described.err);
  const covered = await tool('set', file, 'q3a', '--year', '1999', '--cover', png);
  assert.equal(covered.code, 0, covered.err);
  const q3a = (await openCatalog(file)).get('q3a');
  assert.deepEqual(
    [q3a?.name, q3a?.genre, q3a?.maxPlayers, q3a?.releaseYear, q3a?.cover?.type],
    ['Quake III Arena', 'Shooter', 16, 1999, 'image/png'],
  );
  assert.deepEqual(q3a?.cover?.bytes, new Uint8Array(art));
  assert.match(
    (await tool(file)).out,
    /^q3a\t1\.32\t\tQuake III Arena\tgenre Shooter\tplayers 16\tyear 1999\tcover image\/png \d+ B\n$/,
  );

  // A new version keeps what the organiser wrote about the game; "" and --no-cover clear.
  assert.equal((await tool(file, 'set', 'q3a', 'Quake 3', '1.32b')).code, 0);
  assert.equal((await openCatalog(file)).get('q3a')?.maxPlayers, 16);
  const cleared = await tool(file, 'set', 'q3a', '--genre', '', '--year', '', '--no-cover');
  assert.equal(cleared.code, 0, cleared.err);
  const after = (await openCatalog(file)).get('q3a');
  assert.deepEqual(
    [after?.genre, after?.maxPlayers, after?.releaseYear, after?.cover],
    [null, 16, null, null],
  );
});

test('a cover that is no PNG/JPEG/WebP, too big or missing is cover-invalid; bad numbers are usage errors; the file stays', async () => {
  const file = join(dir, 'metadata-refused.db');
  assert.equal((await tool(file, 'set', 'q3a', 'Quake III Arena', '1.32')).code, 0);
  const before = readFileSync(file);
  const gif = join(dir, 'art.gif');
  writeFileSync(gif, 'GIF89a…');
  const huge = join(dir, 'huge.png');
  writeFileSync(
    huge,
    Buffer.concat([gradientPng(2, 2, [0, 0, 0], [9, 9, 9]), Buffer.alloc(2 << 20)]),
  );
  for (const [cover, message] of [
    [gif, /cover-invalid: .*art\.gif: the image is not a PNG, JPEG or WebP file/],
    [huge, /cover-invalid: .*huge\.png: the image is \d+ bytes, over the 2097152 \(2\.00 MiB\)/],
    [join(dir, 'absent.png'), /cover-invalid: .*absent\.png cannot be read/],
  ] as const) {
    const result = await tool(file, 'set', 'q3a', '--cover', cover);
    assert.equal(result.code, 1, result.err);
    assert.match(result.err, message);
  }
  for (const argv of [
    ['--max-players', '0'],
    ['--max-players', '2.5'],
    ['--year', '99'],
    ['--year', 'soon'],
    ['--genre', 'x'.repeat(65)],
    ['--cover', gif, '--no-cover'],
    [],
  ]) {
    const result = await tool(file, 'set', 'q3a', ...argv);
    assert.equal(result.code, 2, `${argv.join(' ')}: ${result.err}`);
  }
  const unknown = await tool(file, 'set', 'doom', '--genre', 'Shooter');
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /unknown-game: the catalog has no game doom/);
  assert.deepEqual(readFileSync(file), before);
});
