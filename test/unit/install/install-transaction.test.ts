import assert from 'node:assert/strict';
import {
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import {
  embeddedUnrar,
  writeStoredRar5,
  type ArchiveProvider,
} from '../../../src/archive/index.js';
import { LanspreadError } from '../../../src/errors.js';
import { installGame, uninstallGame } from '../../../src/install/index.js';
import { corpusPath, requireCorpus } from '../../support/corpus.js';
import { SeededRandom } from '../../support/fixture-games.js';

const mtime = new Date('2025-01-01T00:00:00Z');
let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lanspread-install-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function archive(name: string, files: Record<string, string | Buffer>): Promise<void> {
  await writeStoredRar5(
    join(root, name),
    Object.entries(files).map(([entry, text]) => ({
      name: entry,
      kind: 'file' as const,
      mtime,
      source: { bytes: Buffer.isBuffer(text) ? text : Buffer.from(text) },
    })),
  );
}

const never = (): AbortSignal => new AbortController().signal;

function hasCode(code: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof LanspreadError, String(err));
    assert.equal(err.code, code, err.message);
    return true;
  };
}

test('installs every archive of the root in byte-wise order; a later one replaces a file', async () => {
  await archive('b.eti', { 'same.txt': 'from b', 'b.txt': 'b' });
  await archive('B.eti', { 'same.txt': 'from B', 'upper.txt': 'B' });
  await archive('a.eti', { 'same.txt': 'from a', 'a.txt': 'a' });
  const result = await installGame(root, embeddedUnrar, never());
  assert.equal(result.archives, 3);
  // 'B' (0x42) sorts before 'a' (0x61) and 'b' byte-wise.
  assert.equal(await readFile(join(root, 'local', 'same.txt'), 'utf8'), 'from b');
  assert.deepEqual((await readdir(join(root, 'local'))).sort(), [
    'a.txt',
    'b.txt',
    'same.txt',
    'upper.txt',
  ]);
  const { mtimeMs } = await stat(join(root, 'local', 'a.txt'));
  assert.equal(mtimeMs, mtime.getTime(), 'files keep the time the archive records');
});

test('refuses names that differ only by case, in one archive or across two, before writing', async () => {
  await archive('game.eti', { 'Data/a.txt': 'one', 'data/A.TXT': 'two' });
  await assert.rejects(installGame(root, embeddedUnrar, never()), (err: unknown) => {
    hasCode('archive-unsafe-entry')(err);
    assert.match((err as Error).message, /Data\/a\.txt and data\/A\.TXT .*case-insensitive/);
    return true;
  });
  assert.deepEqual(await readdir(root), ['game.eti']);
  await archive('game.eti', { 'straße.txt': 'one' });
  await archive('more.eti', { 'STRASSE.TXT': 'two' });
  await assert.rejects(installGame(root, embeddedUnrar, never()), hasCode('archive-unsafe-entry'));
  assert.deepEqual((await readdir(root)).sort(), ['game.eti', 'more.eti']);
});

test('refuses an entry Windows cannot hold (a reserved device name) on every system', async () => {
  await archive('game.eti', { 'ok.txt': 'fine', 'data/NUL.txt': 'device' });
  await assert.rejects(installGame(root, embeddedUnrar, never()), (err: unknown) => {
    hasCode('archive-unsafe-entry')(err);
    assert.match((err as Error).message, /"NUL\.txt" is a device name Windows reserves/);
    return true;
  });
  assert.deepEqual(await readdir(root), ['game.eti']);
});

test('a failed reinstall keeps the previous local/ and leaves no staging', async () => {
  await archive('game.eti', { 'payload.txt': 'version one' });
  await installGame(root, embeddedUnrar, never());
  await writeFile(join(root, 'game.eti'), 'not an archive any more');
  await assert.rejects(installGame(root, embeddedUnrar, never()), hasCode('archive-unsupported'));
  assert.equal(await readFile(join(root, 'local', 'payload.txt'), 'utf8'), 'version one');
  assert.deepEqual((await readdir(root)).sort(), ['game.eti', 'local']);
});

test('a reinstall replaces local/ as a whole, files the new archive lacks included', async () => {
  await archive('game.eti', { 'old.txt': 'old', 'kept.txt': 'one' });
  await installGame(root, embeddedUnrar, never());
  await writeFile(join(root, 'local', 'save.dat'), 'made by the game');
  await archive('game.eti', { 'kept.txt': 'two' });
  await installGame(root, embeddedUnrar, never());
  assert.deepEqual(await readdir(join(root, 'local')), ['kept.txt']);
  assert.equal(await readFile(join(root, 'local', 'kept.txt'), 'utf8'), 'two');
});

test('an install clears both first-play markers, so the next play stamps and sets up again', async () => {
  await archive('game.eti', { 'game_start.sh': 'true\n' });
  await writeFile(join(root, 'launch_settings_applied'), '');
  await writeFile(join(root, 'setup_done'), '');
  await installGame(root, embeddedUnrar, never());
  assert.deepEqual((await readdir(root)).sort(), ['game.eti', 'local']);
});

test('cancelling while the provider unpacks rolls back to nothing installed', async () => {
  requireCorpus();
  await copyFile(corpusPath('rar4-ppmd-expands-230mib.rar'), join(root, 'game.eti'));
  const abort = new AbortController();
  let writes = 0;
  const cancelling: ArchiveProvider = {
    name: 'cancelling',
    storedBypass: true,
    extract: (volume, skip, sink, signal) =>
      embeddedUnrar.extract(
        volume,
        skip,
        {
          beginFile: (name) => sink.beginFile(name),
          write: async (bytes) => {
            await sink.write(bytes);
            if (++writes === 2)
              abort.abort(new LanspreadError('cancelled', 'cancelled by the test'));
          },
          endFile: () => sink.endFile(),
        },
        signal,
      ),
  };
  await assert.rejects(installGame(root, cancelling, abort.signal), hasCode('cancelled'));
  assert.equal(writes, 2, 'the provider stopped at the cancel');
  assert.deepEqual(await readdir(root), ['game.eti']);
});

test('cancelling a stored copy mid-file rolls back to nothing installed', async () => {
  const big = Buffer.alloc(256 * 1024 * 1024);
  new SeededRandom('cancel').fill(big);
  await archive('game.eti', { 'big.bin': big });
  const abort = new AbortController();
  const staged = join(root, '.local.installing', 'big.bin');
  // Cancel as soon as the first bytes reach the staging file.
  const poll = setInterval(() => {
    stat(staged).then(
      (st) => {
        if (st.size > 0) abort.abort(new LanspreadError('cancelled', 'cancelled by the test'));
      },
      () => undefined,
    );
  }, 1);
  try {
    await assert.rejects(installGame(root, embeddedUnrar, abort.signal), hasCode('cancelled'));
  } finally {
    clearInterval(poll);
  }
  assert.deepEqual(await readdir(root), ['game.eti']);
});

test('a root without archives installs as an empty local/', async () => {
  await writeFile(join(root, 'readme.txt'), 'no archives');
  const result = await installGame(root, embeddedUnrar, never());
  assert.deepEqual(result, { archives: 0, files: 0, bytes: 0 });
  assert.deepEqual(await readdir(join(root, 'local')), []);
});

test('a symlinked .eti is not an archive of the root', async () => {
  const outside = await mkdtemp(join(tmpdir(), 'lanspread-outside-'));
  try {
    await writeStoredRar5(join(outside, 'x.eti'), [
      { name: 'secret.txt', kind: 'file', mtime, source: { bytes: Buffer.from('outside') } },
    ]);
    await symlink(join(outside, 'x.eti'), join(root, 'x.eti'));
    const result = await installGame(root, embeddedUnrar, never());
    assert.equal(result.archives, 0);
  } finally {
    await rm(outside, { recursive: true, force: true });
  }
});

test('a volume set with a missing part fails before writing anything', async () => {
  await archive('game.part1.eti', { 'a.txt': 'a' });
  await archive('game.part3.eti', { 'c.txt': 'c' });
  await assert.rejects(
    installGame(root, embeddedUnrar, never()),
    hasCode('archive-volume-missing'),
  );
  assert.deepEqual((await readdir(root)).sort(), ['game.part1.eti', 'game.part3.eti']);
});

test('uninstall removes local/ only, and says so when nothing is installed', async () => {
  await archive('game.eti', { 'payload.txt': 'x' });
  await mkdir(join(root, '.lanspread'));
  await installGame(root, embeddedUnrar, never());
  await uninstallGame(root);
  assert.deepEqual((await readdir(root)).sort(), ['.lanspread', 'game.eti']);
  await assert.rejects(uninstallGame(root), hasCode('not-installed'));
});
