import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_COVER_BYTES, coverTypeOf, toCoverImage } from '../../../src/catalog/cover-image.js';
import { LanspreadError } from '../../../src/errors.js';
import { gradientPng } from '../../support/png-image.js';

const PNG = gradientPng(4, 4, [0, 0, 0], [255, 255, 255]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')]);

test('PNG, JPEG and WebP are told by their magic bytes, whatever else is not', () => {
  assert.equal(coverTypeOf(PNG), 'image/png');
  assert.equal(coverTypeOf(JPEG), 'image/jpeg');
  assert.equal(coverTypeOf(WEBP), 'image/webp');
  for (const other of [
    Buffer.from('GIF89a'),
    Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
    Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVE')]),
    PNG.subarray(0, 7),
    Buffer.alloc(0),
  ]) {
    assert.equal(coverTypeOf(other), null, other.toString('latin1'));
  }
});

test('toCoverImage accepts up to MAX_COVER_BYTES and says cover-invalid beyond or for other bytes', () => {
  const atLimit = Buffer.concat([PNG, Buffer.alloc(MAX_COVER_BYTES - PNG.length)]);
  assert.equal(toCoverImage(atLimit, 'x.png').type, 'image/png');
  const invalid = (bytes: Uint8Array, message: RegExp): void => {
    assert.throws(
      () => toCoverImage(bytes, 'art/x.png'),
      (err: unknown) =>
        err instanceof LanspreadError && err.code === 'cover-invalid' && message.test(err.message),
    );
  };
  invalid(Buffer.concat([atLimit, Buffer.alloc(1)]), /^art\/x\.png: the image is 2097153 bytes/);
  invalid(Buffer.from('GIF89a'), /^art\/x\.png: the image is not a PNG, JPEG or WebP file$/);
});
