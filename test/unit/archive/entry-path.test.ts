import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  entryPathProblem,
  safeEntryPath,
  symlinkDestination,
  unsafeLink,
} from '../../../src/archive/entry-path.js';

test('safeEntryPath keeps plain relative names and drops empty and . segments', () => {
  assert.equal(safeEntryPath('a/b/c.txt'), 'a/b/c.txt');
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

test('safeEntryPath refuses on every system names Windows cannot unpack', () => {
  for (const name of [
    'a\\b\\c.txt',
    'data/C:',
    'game.exe:stream',
    'data/CON',
    'data/nul.txt',
    'Com1.log',
    'LPT9',
    'a.txt.',
    'a.txt ',
    'dir./file',
    'a<b',
    'a|b',
    'what?',
    'star*',
    'q"uote',
  ]) {
    assert.equal(safeEntryPath(name), null, JSON.stringify(name));
  }
  assert.match(entryPathProblem('data/AUX.bin') ?? '', /"AUX\.bin" is a device name/);
  assert.match(entryPathProblem('/etc/passwd') ?? '', /absolute/);
  assert.equal(entryPathProblem('data/aux_bin'), null);
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

test('symlinkDestination refuses a target that climbs out through another link', () => {
  const links = new Set(['s', 'a/b/c/l']);
  // s -> a/b/c and a/b/c/l -> ../../.. (the root): s/l/.. is lexically `s`, really the parent of the root.
  assert.equal(symlinkDestination('t', 's/l/..', links), null);
  assert.equal(symlinkDestination('t', 's', links), 's', 'pointing at a link is fine');
  assert.equal(symlinkDestination('t', 'x/../y', links), 'y');
});

test('unsafeLink finds links inside links, name clashes and escapes by way of links', () => {
  const link = (path: string, target: string, kind: 'symlink' | 'copy' = 'symlink') => ({
    path,
    kind,
    target,
  });
  assert.equal(
    unsafeLink([link('sub/link-up', '../file.txt'), link('flat', 'file.txt')], new Set(['sub'])),
    null,
  );
  // A lying source's trick: a/b/c -> ../.. is the root, then a/b/c/d -> ../../.. leaves it.
  assert.match(
    unsafeLink([link('a/b/c', '../..'), link('a/b/c/d', '../../..')], new Set(['a', 'a/b'])) ?? '',
    /inside another link/,
  );
  assert.match(unsafeLink([link('up', 'sub')], new Set(['up', 'sub'])) ?? '', /share the name/);
  assert.match(unsafeLink([link('out', '../../x')], new Set()) ?? '', /points out/);
  assert.equal(
    unsafeLink([link('copy.bin', '../../etc/passwd', 'copy')], new Set()),
    null,
    'copy targets are checked as entry names elsewhere',
  );
});
