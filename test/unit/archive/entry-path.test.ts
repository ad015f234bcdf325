import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeEntryPath, symlinkDestination } from '../../../src/archive/entry-path.js';

test('safeEntryPath keeps plain relative names and normalises separators', () => {
  assert.equal(safeEntryPath('a/b/c.txt'), 'a/b/c.txt');
  assert.equal(safeEntryPath('a\\b\\c.txt'), 'a/b/c.txt');
  assert.equal(safeEntryPath('./a//b/'), 'a/b');
  assert.equal(safeEntryPath('üȵĩöḋè/file.txt'), 'üȵĩöḋè/file.txt');
  assert.equal(safeEntryPath('a..b/..c'), 'a..b/..c');
});

test('safeEntryPath refuses names that leave the folder or name nothing', () => {
  for (const name of [
    '',
    '.',
    '/',
    '../x',
    'a/../../x',
    'a/..',
    '/etc/passwd',
    '\\\\server\\share',
    'C:/x',
    'c:x',
    'a\\..\\..\\x',
    'a\0b',
    'a\nb',
  ]) {
    assert.equal(safeEntryPath(name), null, JSON.stringify(name));
  }
});

test('symlinkDestination resolves inside the folder or refuses', () => {
  assert.equal(symlinkDestination('sub/link-up', '../file.txt'), 'file.txt');
  assert.equal(symlinkDestination('link-flat', 'file.txt'), 'file.txt');
  assert.equal(symlinkDestination('a/b/l', '../../c'), 'c');
  assert.equal(symlinkDestination('up', '..'), null);
  assert.equal(symlinkDestination('a/l', '../../x'), null);
  assert.equal(symlinkDestination('l', '/etc/passwd'), null);
  assert.equal(symlinkDestination('l', 'C:\\Windows'), null);
  assert.equal(symlinkDestination('a/l', '..\\..\\x'), null);
  assert.equal(symlinkDestination('l', ''), null);
});
