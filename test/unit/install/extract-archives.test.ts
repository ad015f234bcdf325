import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LanspreadError } from '../../../src/errors.js';
import { symlinkFailure } from '../../../src/install/extract-archives.js';

const eperm = Object.assign(new Error("EPERM: operation not permitted, symlink 'a' -> 'b'"), {
  code: 'EPERM',
});

test('a symlink Windows refuses to make fails the install saying how to allow it', () => {
  const failure = symlinkFailure(eperm, 'bin/current', 'win32');
  assert.ok(failure instanceof LanspreadError);
  assert.equal(failure.code, 'install-failed');
  assert.match(failure.message, /^bin\/current: .*symbolic link.*Developer Mode/);
  assert.equal(failure.cause, eperm);
});

test('other symlink failures, and any off Windows, stay as they are', () => {
  assert.equal(symlinkFailure(eperm, 'x', 'linux'), eperm);
  const exists = Object.assign(new Error('EEXIST'), { code: 'EEXIST' });
  assert.equal(symlinkFailure(exists, 'x', 'win32'), exists);
});
