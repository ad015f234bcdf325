import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { GameId } from '../../../src/ids.js';
import { queueFile, readQueue, writeQueue } from '../../../src/peer/queue-file.js';
import { recordingLogger } from '../../support/recording-logger.js';

const dir = await mkdtemp(join(tmpdir(), 'lanspread-queue-file-'));
after(() => rm(dir, { recursive: true, force: true }));

test('the queue is read back in its order, with its flags; one entry a game', async () => {
  const entries = [
    { game: 'cnc4' as GameId, kind: 'download' as const, install: true, paused: false },
    { game: 'ggoo' as GameId, kind: 'update' as const, install: false, paused: true },
  ];
  await writeQueue(dir, entries);
  assert.deepEqual(await readQueue(dir, recordingLogger()), entries);
  assert.deepEqual(await readdir(dir), ['download-queue.json'], 'no temp file left');
  await writeFile(queueFile(dir), JSON.stringify({ entries: [...entries, entries[0]] }));
  assert.deepEqual(await readQueue(dir, recordingLogger()), entries);
});

test('no file is an empty queue; a damaged one too, with a warning', async () => {
  assert.deepEqual(await readQueue(join(dir, 'none'), recordingLogger()), []);
  for (const text of [
    '{"entries":',
    '{"entries": [{"game": "../x", "kind": "download", "install": true, "paused": false}]}',
    '{"entries": [{"game": "cnc4", "kind": "install", "install": true, "paused": false}]}',
    '[]',
  ]) {
    await writeFile(queueFile(dir), text);
    const log = recordingLogger();
    assert.deepEqual(await readQueue(dir, log), [], text);
    assert.equal(log.lines[0]?.level, 'warn', text);
  }
});
