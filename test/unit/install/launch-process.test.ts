import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { LanspreadError } from '../../../src/errors.js';
import { spawnLaunch } from '../../../src/install/launch-process.js';

let dir: string;
// The child is unref'd (it must not keep lanspread alive); a running peer's sockets keep the
// event loop alive while it waits for the exit, this timer does so here.
let keepAlive: NodeJS.Timeout;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lanspread-spawn-'));
  keepAlive = setInterval(() => undefined, 1000);
});
afterEach(async () => {
  clearInterval(keepAlive);
  await rm(dir, { recursive: true, force: true });
});

test('answers once the script runs, in its folder, and reports its exit code', async () => {
  const script = join(dir, 'game_start.sh');
  await writeFile(script, 'pwd > where.txt\nexit 7\n');
  const launched = await spawnLaunch({
    script,
    file: 'sh',
    args: [script],
    windowsVerbatimArguments: false,
    cwd: dir,
  });
  assert.ok(launched.pid > 0);
  assert.deepEqual(await launched.exited, { code: 7, signal: null });
  assert.equal((await readFile(join(dir, 'where.txt'), 'utf8')).trim(), dir);
});

test('a program that cannot be started is launch-failed, naming the script', async () => {
  await assert.rejects(
    spawnLaunch({
      script: join(dir, 'game_start.sh'),
      file: join(dir, 'no-such-shell'),
      args: [],
      windowsVerbatimArguments: false,
      cwd: dir,
    }),
    (err) =>
      err instanceof LanspreadError &&
      err.code === 'launch-failed' &&
      err.message.includes('game_start.sh'),
  );
});
