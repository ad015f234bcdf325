import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  watchLibrary,
  type LibraryWatcher,
  type LibraryWatchOptions,
} from '../../../src/library/index.js';
import { recordingLogger } from '../../support/recording-logger.js';

let base: string;
let n = 0;

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'lanspread-watch-'));
});

after(async () => {
  await rm(base, { recursive: true, force: true });
});

/** A fresh games folder with the given roots, and a watcher counting its onChange calls. */
async function setup(
  roots: string[],
  opts: Partial<LibraryWatchOptions> = {},
): Promise<{ games: string; calls: number[]; watcher: LibraryWatcher }> {
  const games = join(base, `games${n++}`);
  await mkdir(games);
  for (const root of roots) await mkdir(join(games, root));
  const calls: number[] = [];
  const watcher = await watchLibrary(games, {
    log: recordingLogger(),
    debounceMs: 100,
    maxWaitMs: 5_000,
    rescanEveryMs: 0,
    ...opts,
    onChange: () => {
      calls.push(Date.now());
    },
  });
  return { games, calls, watcher };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) assert.fail(`not within ${timeoutMs} ms: ${what}`);
    await sleep(20);
  }
}

test('a burst of writes in a root gives one call, after the burst', async () => {
  const { games, calls, watcher } = await setup(['alienswarm']);
  try {
    for (let i = 0; i < 200; i++) await writeFile(join(games, 'alienswarm', `f${i}.eti`), 'x');
    const burstEnd = Date.now();
    await sleep(600);
    assert.equal(calls.length, 1, `calls: ${calls.length}`);
    assert.ok(calls[0]! >= burstEnd, 'the call is trailing');
  } finally {
    watcher.close();
  }
});

test('a long steady stream still gives a call every max wait', async () => {
  const { games, calls, watcher } = await setup(['alienswarm'], {
    debounceMs: 200,
    maxWaitMs: 400,
  });
  try {
    const start = Date.now();
    for (let i = 0; Date.now() - start < 1_500; i++) {
      await writeFile(join(games, 'alienswarm', 'big.eti'), `chunk ${i}`);
      await sleep(40);
    }
    // The debounce alone would wait for the stream's end; the max wait fires within it.
    assert.ok(calls.length >= 2, `calls during the stream: ${calls.length}`);
    assert.ok(calls.length <= 5, `calls during the stream: ${calls.length}`);
  } finally {
    watcher.close();
  }
});

test('a root made after the start is watched: its version.ini is seen', async () => {
  const { games, calls, watcher } = await setup([]);
  try {
    await mkdir(join(games, 'cod5'));
    await waitFor('the new root is reported', () => calls.length === 1);
    await sleep(200);
    await writeFile(join(games, 'cod5', 'version.ini'), '20250101');
    await waitFor('version.ini in the new root is reported', () => calls.length === 2);
  } finally {
    watcher.close();
  }
});

test('removing a root, and replacing it, are seen', async () => {
  const { games, calls, watcher } = await setup(['cnc4']);
  try {
    await writeFile(join(games, 'cnc4', 'version.ini'), '20250101');
    await waitFor('the write', () => calls.length === 1);
    await rm(join(games, 'cnc4'), { recursive: true });
    await waitFor('the removal', () => calls.length === 2);
    await mkdir(join(games, 'cnc4'));
    await waitFor('the new folder', () => calls.length === 3);
    await sleep(200);
    await writeFile(join(games, 'cnc4', 'version.ini'), '20250101');
    await waitFor('version.ini in the replaced root', () => calls.length === 4);
  } finally {
    watcher.close();
  }
});

test('writes inside local/, our bookkeeping, busy roots and non-game folders are not reported', async () => {
  const busy = new Set(['busy']);
  const { games, calls, watcher } = await setup(['ggoo', 'busy'], {
    isGameRoot: (name) => name === 'ggoo' || name === 'busy',
    isBusy: (name) => busy.has(name),
  });
  try {
    await mkdir(join(games, 'ggoo', 'local'));
    await waitFor('local/ appearing (the game is installed)', () => calls.length === 1);
    await sleep(200);
    for (let i = 0; i < 100; i++) await writeFile(join(games, 'ggoo', 'local', `f${i}`), 'x');
    await mkdir(join(games, 'ggoo', '.lanspread'));
    await mkdir(join(games, 'ggoo', '.local.installing'));
    await writeFile(join(games, 'busy', 'busy.eti'), 'x');
    await mkdir(join(games, 'notes'));
    await writeFile(join(games, 'readme.txt'), 'x');
    await sleep(500);
    assert.equal(calls.length, 1, `calls: ${calls.length}`);
  } finally {
    watcher.close();
  }
});

test('the periodic rescan fires without any file event', async () => {
  const { calls, watcher } = await setup([], { rescanEveryMs: 100 });
  try {
    await waitFor('three ticks', () => calls.length >= 3, 2_000);
  } finally {
    watcher.close();
  }
});

test('with every folder watched the safety rescan is rare; a folder it cannot watch makes it frequent', async () => {
  const { games, calls, watcher } = await setup(['cnctw'], {
    rescanEveryMs: undefined,
    blindRescanEveryMs: 100,
    watchedRescanEveryMs: 1_000,
  });
  try {
    await sleep(600);
    // Five ticks with every watch open, and none of them rescanned.
    assert.equal(calls.length, 0);
    await waitFor('the rare rescan', () => calls.length >= 1, 2_000);
    // The games folder gone: nothing to watch, so every tick rescans (one call for the removal).
    await rm(games, { recursive: true, force: true });
    const before = calls.length;
    await waitFor('a rescan every tick', () => calls.length >= before + 4, 1_500);
  } finally {
    watcher.close();
  }
});

test('retarget moves the watch to the new folder', async () => {
  const { games, calls, watcher } = await setup(['bf1942']);
  const other = join(base, `games${n++}`);
  await mkdir(join(other, 'bfbc2'), { recursive: true });
  try {
    await watcher.retarget(other);
    await writeFile(join(games, 'bf1942', 'version.ini'), '20250101');
    await sleep(400);
    assert.equal(calls.length, 0, 'the old folder is no longer watched');
    await writeFile(join(other, 'bfbc2', 'version.ini'), '20250101');
    await waitFor('the new folder', () => calls.length === 1);
  } finally {
    watcher.close();
  }
});

test('close stops every call, pending or periodic', async () => {
  const { games, calls, watcher } = await setup(['cnctw'], { rescanEveryMs: 100 });
  await writeFile(join(games, 'cnctw', 'version.ini'), '20250101');
  watcher.close();
  const closedAt = calls.length;
  await writeFile(join(games, 'cnctw', 'version.ini'), '20200101');
  await mkdir(join(games, 'cod5'));
  await sleep(500);
  assert.equal(calls.length, closedAt);
});

test('a watcher never keeps the process alive', () => {
  // A child that starts a watcher with a pending debounce and a periodic tick and never closes it.
  const games = join(base, `games${n++}`);
  const module = fileURLToPath(new URL('../../../src/library/index.ts', import.meta.url));
  const script = `
    import { mkdirSync, writeFileSync } from 'node:fs';
    const { watchLibrary } = await import(${JSON.stringify(module)});
    mkdirSync(${JSON.stringify(join(games, 'ggoo'))}, { recursive: true });
    const log = { debug() {}, info() {}, warn() {}, error() {}, child() { return log; } };
    await watchLibrary(${JSON.stringify(games)}, { log, onChange() {}, rescanEveryMs: 60000 });
    writeFileSync(${JSON.stringify(join(games, 'ggoo', 'version.ini'))}, '1');
  `;
  const started = Date.now();
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    {
      timeout: 20_000,
      encoding: 'utf8',
    },
  );
  assert.equal(child.status, 0, `exit ${child.status} ${child.signal}: ${child.stderr}`);
  assert.ok(Date.now() - started < 20_000);
});
