import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LanspreadError } from '../../../src/errors.js';
import type { GameId } from '../../../src/ids.js';
import { DownloadQueue } from '../../../src/peer/download-queue.js';
import { recordingLogger } from '../../support/recording-logger.js';

const dir = await mkdtemp(join(tmpdir(), 'lanspread-download-queue-'));
after(() => rm(dir, { recursive: true, force: true }));

const game = 'cnc4' as GameId;

test('a pause is refused while the download installs, and stops it while it fetches', async () => {
  let phase: 'download' | 'install' = 'download';
  let finish: (() => void) | undefined;
  let stopped: LanspreadError | undefined;
  const queue = new DownloadQueue({
    stateDir: dir,
    log: recordingLogger(),
    emit: () => undefined,
    slots: () => 1,
    ready: () => true,
    check: () => undefined,
    run: () =>
      new Promise((resolve, reject) => {
        finish = () => {
          if (stopped === undefined) resolve({ game });
          else reject(stopped);
        };
      }),
    busy: () => true,
    installing: () => phase === 'install',
    stop: (_game, reason) => {
      stopped = reason;
      finish?.();
      return Promise.resolve(true);
    },
  });
  // A function: TypeScript would narrow the variable to undefined after the first check.
  const stopCode = (): string | undefined => stopped?.code;
  const answer = queue.request({ game, kind: 'download', install: true, paused: false });
  while (finish === undefined) await new Promise((resolve) => setImmediate(resolve));

  phase = 'install';
  await assert.rejects(queue.pause(game), (err: unknown) => {
    assert.ok(err instanceof LanspreadError);
    assert.equal(err.code, 'operation-in-progress');
    return true;
  });
  assert.equal(stopCode(), undefined, 'the install goes on');
  assert.deepEqual(
    queue.rows().map((r) => r.state),
    ['running'],
  );

  phase = 'download';
  await queue.pause(game);
  assert.equal(stopCode(), 'paused');
  await assert.rejects(answer, (err: unknown) => (err as LanspreadError).code === 'paused');
  assert.deepEqual(
    queue.rows().map((r) => r.state),
    ['paused'],
  );
});
