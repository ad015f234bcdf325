import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgsError, parsePeerArgs, peerOptionsFrom } from '../../../src/cli/peer-args.js';
import { silentLogger } from '../../../src/logger.js';
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

test('--max-upload and --max-download take MiB/s or off, and reach the peer options', () => {
  const none = parsePeerArgs(base);
  assert.equal('maxUploadMiBs' in none, false, 'absent: the saved caps hold');
  const set = parsePeerArgs([...base, '--max-upload', '8', '--max-download', 'off']);
  assert.equal(set.maxUploadMiBs, 8);
  assert.equal(set.maxDownloadMiBs, null);
  const options = peerOptionsFrom(set, silentLogger);
  assert.equal(options.maxUploadMiBs, 8);
  assert.equal(options.maxDownloadMiBs, null);
  for (const bad of ['0', '-1', '0.05', 'fast', '', '1e9']) {
    assert.throws(
      () => parsePeerArgs([...base, `--max-upload=${bad}`]),
      /--max-upload must be/,
      bad,
    );
  }
});
