import assert from 'node:assert/strict';
import { test } from 'node:test';
import { downloadFinished, transferEvent } from '../../../src/peer/event-mapping.js';

test('a finished transfer becomes download-finished with its throughput from the bytes received', () => {
  assert.deepEqual(
    downloadFinished({
      game: 'cnc4',
      bytes: 4 * 1048576,
      bytesReceived: 2 * 1048576,
      durationMs: 500,
    }),
    {
      event: 'download-finished',
      game: 'cnc4',
      bytes: 4 * 1048576,
      duration_ms: 500,
      mib_per_s: 4,
      mbit_per_s: 33.6,
    },
  );
});

test("a streamed install's end is a download-finished; its other events pass as they are", () => {
  const ended = transferEvent({
    event: 'stream-finished',
    game: 'css',
    bytes: 1048576,
    bytesReceived: 1048576,
    durationMs: 0,
  });
  assert.equal(ended.event, 'download-finished');
  assert.equal(ended.event === 'download-finished' ? ended.mib_per_s : 0, 1000);
  const begin = { event: 'download-begin', game: 'css', bytes: 7 } as const;
  assert.equal(transferEvent(begin), begin);
});
