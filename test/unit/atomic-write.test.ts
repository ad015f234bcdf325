import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sweepTempFiles, writeFileAtomic } from '../../src/atomic-write.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lanspread-atomic-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('replaces the content whole, in the mode given, and leaves no temp file', async () => {
  const file = join(dir, 'settings.json');
  await writeFile(file, 'old content that is longer than the new');
  await writeFileAtomic(file, 'new', { mode: 0o600 });
  assert.equal(await readFile(file, 'utf8'), 'new');
  if (process.platform !== 'win32') assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(dir), ['settings.json']);
});

test('writers of one file at once each write their own temp file; one of them wins whole', async () => {
  const file = join(dir, 'journal.json');
  const bodies = Array.from({ length: 8 }, (_, i) => String(i).repeat(100_000));
  await Promise.all(bodies.map((body) => writeFileAtomic(file, body)));
  assert.ok(bodies.includes(await readFile(file, 'utf8')));
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n.startsWith('journal')),
    ['journal.json'],
  );
});

test('a raw byte path works too (names that are not UTF-8)', async () => {
  const file = Buffer.concat([
    Buffer.from(join(dir, 'caf')),
    Buffer.from([0xe9]),
    Buffer.from('.ini'),
  ]);
  await writeFileAtomic(file, Buffer.from('x=1'));
  assert.equal(await readFile(file, 'utf8'), 'x=1');
});

test('a write that fails leaves what was there and no temp file', async () => {
  await assert.rejects(writeFileAtomic(join(dir, 'no-such-folder', 'serve.json'), '{}'), {
    code: 'ENOENT',
  });
  const folder = join(dir, 'a-folder');
  await mkdir(folder);
  await writeFile(join(folder, 'kept.txt'), 'kept');
  await assert.rejects(writeFileAtomic(folder, 'a file cannot replace a folder'));
  assert.equal(await readFile(join(folder, 'kept.txt'), 'utf8'), 'kept');
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n.endsWith('.tmp')),
    [],
  );
});

test('sweepTempFiles removes the temp files a crash left, old enough, and nothing else', async () => {
  const swept = join(dir, 'swept');
  await mkdir(join(swept, 'folder.0123456789ab.tmp'), { recursive: true });
  const names = {
    old: 'settings.json.0123456789ab.tmp',
    young: 'queue.json.ba9876543210.tmp',
    kept: ['settings.json', 'notes.tmp', 'a.0123.tmp', 'b.0123456789AB.tmp'],
  };
  for (const name of [names.old, names.young, ...names.kept])
    await writeFile(join(swept, name), 'x');
  const minuteAgo = new Date(Date.now() - 61_000);
  await utimes(join(swept, names.old), minuteAgo, minuteAgo);
  assert.deepEqual(await sweepTempFiles(swept, 60_000), [names.old]);
  assert.deepEqual(
    (await readdir(swept)).sort(),
    [names.young, ...names.kept, 'folder.0123456789ab.tmp'].sort(),
  );
  // Without an age every temp file goes; a folder that does not exist has none.
  assert.deepEqual(await sweepTempFiles(swept), [names.young]);
  assert.deepEqual(await sweepTempFiles(join(dir, 'no-such-folder')), []);
});
