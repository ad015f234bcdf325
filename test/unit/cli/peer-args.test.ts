import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgsError, parsePeerArgs } from '../../../src/cli/peer-args.js';
import { CHUNK_SIZES } from '../../../src/protocol/index.js';

const base = ['--games', '/g', '--state', '/s'];

test('--chunk-size takes a size peers serve and nothing else', () => {
  assert.equal(parsePeerArgs(base).chunkSize, undefined);
  for (const size of CHUNK_SIZES) {
    assert.equal(parsePeerArgs([...base, '--chunk-size', String(size)]).chunkSize, size);
  }
  for (const bad of ['12', '65536', '8388608', '1073741824', '1e6', 'big', '']) {
    assert.throws(
      () => parsePeerArgs([...base, '--chunk-size', bad]),
      (err: unknown) =>
        err instanceof ArgsError &&
        err.message === '--chunk-size must be one of 1048576, 33554432 (bytes)',
      bad,
    );
  }
});
