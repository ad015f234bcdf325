import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LanspreadError } from '../../../src/errors.js';
import { recordingLogger } from '../../support/recording-logger.js';
import {
  checkGamesDir,
  readSettings,
  settingsFile,
  writeSettings,
} from '../../../src/web/settings.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lanspread-settings-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('without a file the defaults are the OS user and english', async () => {
  const settings = await readSettings(join(dir, 'none'), recordingLogger());
  assert.equal(settings.language, 'english');
  assert.ok(settings.username.length > 0);
  assert.equal(settings.games_dir, undefined);
});

test('saved settings are read back; a damaged file gives the defaults and a warning', async () => {
  await writeSettings(dir, { username: 'Ann', language: 'german', games_dir: '/g' });
  assert.equal((await stat(settingsFile(dir))).mode & 0o777, 0o600);
  assert.deepEqual(await readSettings(dir, recordingLogger()), {
    username: 'Ann',
    language: 'german',
    games_dir: '/g',
  });
  for (const text of ['{"username":', '{"username": 5}', '[]']) {
    await writeFile(settingsFile(dir), text);
    const log = recordingLogger();
    const settings = await readSettings(dir, log);
    assert.equal(settings.language, 'english', text);
    assert.equal(log.lines[0]?.level, 'warn', text);
  }
  assert.match(await readFile(settingsFile(dir), 'utf8'), /^\[\]$/);
});

test('a games folder is created when missing and refused with a reason otherwise', async () => {
  const fresh = join(dir, 'new', 'games');
  assert.equal(await checkGamesDir(fresh), fresh);
  assert.ok((await stat(fresh)).isDirectory());
  assert.equal(await checkGamesDir(`${fresh}/`), fresh);
  const file = join(dir, 'file');
  await writeFile(file, 'x');
  for (const [path, reason] of [
    [file, /a file is in the way/],
    [join(file, 'below'), /a file is in the way/],
    ['relative', /not an absolute path/],
  ] as const) {
    await assert.rejects(
      checkGamesDir(path),
      (err: unknown) =>
        err instanceof LanspreadError && err.code === 'bad-game-dir' && reason.test(err.message),
      path,
    );
  }
});
