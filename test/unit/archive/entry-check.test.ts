import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { EntryCheck, type PlannedFile } from '../../../src/archive/index.js';

const body = Buffer.from('hello, lanspread');
const planned = (name: string, bytes: Buffer, crc: number | null = crc32(bytes)): PlannedFile => ({
  name,
  path: name.replaceAll('\\', '/'),
  size: bytes.length,
  crc32: crc,
  mtimeMs: null,
  stored: null,
});

function checkOf(...files: PlannedFile[]): EntryCheck {
  const pending = files[Symbol.iterator]();
  return new EntryCheck('game.eti', () => pending.next().value);
}

test('passes the planned entries in order and knows the CRC32 of the bytes', () => {
  const check = checkOf(planned('a.txt', body), planned('dir\\b.txt', Buffer.alloc(0)));
  assert.equal(check.begin('a.txt').path, 'a.txt');
  check.add(body.subarray(0, 5));
  check.add(body.subarray(5));
  assert.equal(check.end().name, 'a.txt');
  assert.equal(check.crc32, crc32(body));
  assert.equal(check.begin('dir\\b.txt').path, 'dir/b.txt');
  check.end();
});

test('an entry out of plan is archive-unsafe-entry', () => {
  assert.throws(() => checkOf(planned('a.txt', body)).begin('evil.txt'), {
    code: 'archive-unsafe-entry',
    message: /produced evil\.txt, the archive headers list a\.txt/,
  });
  const done = checkOf();
  assert.throws(() => done.begin('extra.txt'), /headers list nothing more/);
});

test('bytes beyond the size fail at once; a short entry or a wrong CRC32 at its end', () => {
  const long = checkOf(planned('a.txt', body));
  long.begin('a.txt');
  assert.throws(() => long.add(Buffer.concat([body, Buffer.from('!')])), {
    code: 'archive-data-crc',
    message: /more than its 16 bytes/,
  });
  const short = checkOf(planned('a.txt', body));
  short.begin('a.txt');
  short.add(body.subarray(1));
  assert.throws(() => short.end(), { code: 'archive-data-crc', message: /15 bytes where/ });
  const flipped = checkOf(planned('a.txt', body, crc32(body) ^ 1));
  flipped.begin('a.txt');
  flipped.add(body);
  assert.throws(() => flipped.end(), { code: 'archive-data-crc', message: /CRC32 / });
  const unknown = checkOf(planned('a.txt', body, null));
  unknown.begin('a.txt');
  unknown.add(body);
  unknown.end(); // no CRC32 in the header: the size is all there is to check
});
