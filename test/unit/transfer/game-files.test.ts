import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { recordingLogger, type LogLine } from '../../support/recording-logger.js';
import { listGameFiles } from '../../../src/transfer/game-files.js';

async function put(path: string, content: string | number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, typeof content === 'number' ? Buffer.alloc(content, 1) : content);
}

let base: string;
let root: string;

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'lanspread-files-'));
  root = join(base, 'cnctw');
  const outside = join(base, 'outside');
  await put(join(outside, 'secret.txt'), 'secret');
  await put(join(root, 'version.ini'), '20250101\n');
  await put(join(root, 'b.eti'), 100);
  await put(join(root, 'a.eti'), 50);
  await put(join(root, 'B-upper.txt'), 1);
  await put(join(root, 'docs', 'readme.txt'), 'hello');
  await put(join(root, 'docs', 'deep', 'er', 'note.md'), 3);
  await put(join(root, 'docs-and-more.txt'), 2);
  await put(join(root, 'empty.bin'), 0);
  await put(join(root, 'ümlaut.txt'), 4);
  // Nested folders of the same names as our top-level ones are ordinary game files.
  await put(join(root, 'data', 'local', 'x.bin'), 6);
  await put(join(root, 'data', 'launch_settings_applied'), 7);
  await put(join(root, 'local', 'game.exe'), 10);
  await put(join(root, '.local.installing', 'x'), 10);
  await put(join(root, '.local.backup', 'x'), 10);
  await put(join(root, '.lanspread', 'journal.json'), '{}');
  await put(join(root, 'launch_settings_applied'), '');
  await mkdir(join(root, 'empty-dir'));
  await symlink(outside, join(root, 'linked-dir'));
  await symlink(join(outside, 'secret.txt'), join(root, 'linked-file.txt'));
  await symlink(join(root, 'a.eti'), join(root, 'docs', 'inner-link.eti'));
  await symlink(join(base, 'nowhere'), join(root, 'dangling'));
  execFileSync('mkfifo', [join(root, 'a-fifo')]);
});

after(async () => {
  await rm(base, { recursive: true, force: true });
});

test('lists every regular file of the root, byte-wise sorted, without our subtrees', async () => {
  const files = await listGameFiles(root, recordingLogger());
  assert.deepEqual(
    files.map((f) => f.path),
    [
      'B-upper.txt',
      'a.eti',
      'b.eti',
      'data/launch_settings_applied',
      'data/local/x.bin',
      // '-' (0x2d) sorts before '/' (0x2f): the order is by the bytes of the whole path.
      'docs-and-more.txt',
      'docs/deep/er/note.md',
      'docs/readme.txt',
      'empty.bin',
      'version.ini',
      'ümlaut.txt',
    ],
  );
});

test('reports the size and mtime of each file', async () => {
  const files = await listGameFiles(root, recordingLogger());
  const eti = files.find((f) => f.path === 'b.eti');
  const st = await stat(join(root, 'b.eti'));
  assert.deepEqual(eti, { path: 'b.eti', size: 100, mtimeMs: st.mtimeMs });
  assert.equal(files.find((f) => f.path === 'empty.bin')?.size, 0);
});

test('never lists nor follows symlinks and warns once per path, not once per listing', async () => {
  const lines: LogLine[] = [];
  const log = recordingLogger(lines);
  const first = await listGameFiles(root, log);
  assert.ok(first.every((f) => !f.path.includes('link') && f.path !== 'dangling'));
  assert.ok(first.every((f) => !f.path.includes('secret')));
  // Warnings are process-wide; a fresh root makes this test independent of the others.
  const root2 = join(base, 'other');
  await put(join(root2, 'version.ini'), '1\n');
  await symlink(join(base, 'outside'), join(root2, 'escape'));
  await listGameFiles(root2, log);
  await listGameFiles(root2, log);
  const warns = lines.filter((l) => l.level === 'warn' && l.fields.root === root2);
  assert.equal(warns.length, 1);
  assert.equal(warns[0]?.fields.path, 'escape');
});

test('ignores non-regular files such as a fifo', async () => {
  const files = await listGameFiles(root, recordingLogger());
  assert.equal(
    files.some((f) => f.path === 'a-fifo'),
    false,
  );
});

test('an empty root lists nothing; a missing root fails', async () => {
  const empty = join(base, 'empty-root');
  await mkdir(empty);
  assert.deepEqual(await listGameFiles(empty, recordingLogger()), []);
  await assert.rejects(listGameFiles(join(base, 'missing'), recordingLogger()), { code: 'ENOENT' });
});
