import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openCatalog } from '../../../src/catalog/index.js';
import { runCatalogTool } from '../../../src/cli/catalog-tool.js';

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
