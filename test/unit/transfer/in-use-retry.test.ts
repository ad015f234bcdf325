import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { LanspreadError } from '../../../src/errors.js';
import {
  removeRetrying,
  renameRetrying,
  retryWhileInUse,
} from '../../../src/transfer/in-use-retry.js';

function fsError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: operation failed`), { code });
}

/** An op that fails with `code` the first `failures` times, then returns 'done'. */
function failing(
  code: string,
  failures: number,
): { op: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    op: async () => {
      calls++;
      if (calls <= failures) throw fsError(code);
      return 'done';
    },
    calls: () => calls,
  };
}

function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { sleep: async (ms) => void waits.push(ms), waits };
}

test('on Windows, retries a file in use with a growing wait until it works', async () => {
  for (const code of ['EPERM', 'EBUSY', 'EACCES', 'ENOTEMPTY']) {
    const { op, calls } = failing(code, 3);
    const { sleep, waits } = recordingSleep();
    assert.equal(await retryWhileInUse('replace x', op, { platform: 'win32', sleep }), 'done');
    assert.equal(calls(), 4, code);
    assert.deepEqual(waits, [40, 80, 120]);
  }
});

test('on Windows, gives up after 10 tries (~2 s) with file-in-use naming what failed', async () => {
  const { op, calls } = failing('EBUSY', Infinity);
  const { sleep, waits } = recordingSleep();
  await assert.rejects(
    retryWhileInUse('replace C:\\games\\cnc4', op, { platform: 'win32', sleep }),
    (err: unknown) => {
      assert.ok(err instanceof LanspreadError);
      assert.equal(err.code, 'file-in-use');
      assert.match(err.message, /cannot replace C:\\games\\cnc4: a program .* has it open/);
      assert.equal((err.cause as NodeJS.ErrnoException).code, 'EBUSY');
      return true;
    },
  );
  assert.equal(calls(), 10);
  assert.equal(waits.length, 9);
  const total = waits.reduce((a, b) => a + b, 0);
  assert.ok(total >= 1500 && total <= 2500, `waited ${total} ms in all`);
});

test('other errors, and every error off Windows, fail at once as they are', async () => {
  for (const [platform, code] of [
    ['win32', 'ENOENT'],
    ['win32', 'ENOSPC'],
    ['linux', 'EACCES'],
    ['linux', 'EBUSY'],
    ['darwin', 'EPERM'],
  ] as const) {
    const { op, calls } = failing(code, 1);
    const { sleep, waits } = recordingSleep();
    await assert.rejects(retryWhileInUse('x', op, { platform, sleep }), { code });
    assert.equal(calls(), 1, `${platform} ${code}`);
    assert.deepEqual(waits, []);
  }
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lanspread-in-use-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('renameRetrying waits for a folder in the way to go (ENOTEMPTY on a real disk)', async () => {
  const from = join(dir, 'staging');
  const to = join(dir, 'root');
  await mkdir(from);
  await writeFile(join(from, 'new.txt'), 'new');
  await mkdir(to);
  await writeFile(join(to, 'old.txt'), 'old');
  let sleeps = 0;
  const sleep = async (): Promise<void> => {
    // The "other program" lets go after the second wait.
    if (++sleeps === 2) await rm(to, { recursive: true });
  };
  await renameRetrying(from, to, { platform: 'win32', sleep });
  assert.equal(sleeps, 2);
  assert.deepEqual(await readdir(to), ['new.txt']);

  await mkdir(from);
  await writeFile(join(to, 'busy.txt'), 'still here');
  await assert.rejects(
    renameRetrying(from, to, { platform: 'win32', sleep: async () => undefined }),
    { code: 'file-in-use' },
  );
  await assert.rejects(renameRetrying(from, to, { platform: 'linux' }), { code: 'ENOTEMPTY' });
});

test('removeRetrying removes a whole tree, and a missing path is no error', async () => {
  await mkdir(join(dir, 'a', 'b'), { recursive: true });
  await writeFile(join(dir, 'a', 'b', 'c.txt'), 'x');
  await removeRetrying(join(dir, 'a'));
  await removeRetrying(join(dir, 'never-there'));
  assert.deepEqual(await readdir(dir), []);
});
