import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseVersionIni } from '../../../src/library/index.js';

test('reads the first line, trimmed', () => {
  assert.equal(parseVersionIni('20250101\n'), '20250101');
  assert.equal(parseVersionIni('  20250101  '), '20250101');
});

test('accepts CRLF and lone CR line endings', () => {
  assert.equal(parseVersionIni('20250101\r\nsomething else\r\n'), '20250101');
  assert.equal(parseVersionIni('20250101\rnext'), '20250101');
});

test('skips a UTF-8 byte-order mark', () => {
  assert.equal(parseVersionIni('\uFEFF20250101\r\n'), '20250101');
});

test('skips blank and whitespace-only lines before the version', () => {
  assert.equal(parseVersionIni('\n\r\n   \n\t\n1.2.3\n'), '1.2.3');
});

test('an empty or blank file has no version', () => {
  assert.equal(parseVersionIni(''), null);
  assert.equal(parseVersionIni('\uFEFF'), null);
  assert.equal(parseVersionIni(' \r\n\n\t'), null);
});

test('a first line that is not a version gives null', () => {
  assert.equal(parseVersionIni('version = 20250101\n'), null);
  assert.equal(parseVersionIni('\u0000\u0001garbage'), null);
  assert.equal(parseVersionIni('x'.repeat(65)), null);
  assert.equal(parseVersionIni('été'), null);
});
