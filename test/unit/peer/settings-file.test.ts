import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LanspreadError } from '../../../src/errors.js';
import { recordingLogger } from '../../support/recording-logger.js';
import {
  checkGamesDir,
  typedFolder,
  readSettings,
  settingsFile,
  writeSettings,
} from '../../../src/peer/settings-file.js';

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
  assert.equal(settings.encrypt_transfers, false);
  assert.equal(settings.max_active_downloads, 2);
  assert.equal(settings.upload_mib_s, null, 'no cap');
  assert.equal(settings.download_mib_s, null);
});

test('saved settings are read back; a damaged file gives the defaults and a warning', async () => {
  const saved = {
    username: 'Ann',
    language: 'german',
    games_dir: '/g',
    encrypt_transfers: true,
    max_active_downloads: 3,
    upload_mib_s: 8,
    download_mib_s: null,
  };
  await writeSettings(dir, saved);
  assert.equal((await stat(settingsFile(dir))).mode & 0o777, 0o600);
  assert.deepEqual(await readSettings(dir, recordingLogger()), saved);
  await writeSettings(dir, { ...saved, encrypt_transfers: false });
  assert.equal((await readSettings(dir, recordingLogger())).encrypt_transfers, false);
  // A file from before the setting existed: transfers stay plain.
  await writeFile(settingsFile(dir), '{"username": "Ann"}');
  assert.equal((await readSettings(dir, recordingLogger())).encrypt_transfers, false);
  assert.equal((await readSettings(dir, recordingLogger())).upload_mib_s, null);
  for (const text of [
    '{"username":',
    '{"username": 5}',
    '{"encrypt_transfers": "yes"}',
    '{"max_active_downloads": 0}',
    '{"upload_mib_s": 0}',
    '{"download_mib_s": "8"}',
    '[]',
  ]) {
    await writeFile(settingsFile(dir), text);
    const log = recordingLogger();
    const settings = await readSettings(dir, log);
    assert.equal(settings.language, 'english', text);
    assert.equal(log.lines[0]?.level, 'warn', text);
  }
  assert.match(await readFile(settingsFile(dir), 'utf8'), /^\[\]$/);
});

test('a saved games folder that is not absolute is ignored with a warning', async () => {
  await writeSettings(dir, {
    username: 'Ann',
    language: 'german',
    games_dir: 'games',
    encrypt_transfers: true,
    max_active_downloads: 1,
    upload_mib_s: null,
    download_mib_s: 2.5,
  });
  const log = recordingLogger();
  assert.deepEqual(await readSettings(dir, log), {
    username: 'Ann',
    language: 'german',
    encrypt_transfers: true,
    max_active_downloads: 1,
    upload_mib_s: null,
    download_mib_s: 2.5,
  });
  assert.equal(log.lines[0]?.level, 'warn');
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
    [join(dir, 'state'), /and the state folder .* lie one inside the other/],
    [join(dir, 'state', 'games'), /lie one inside the other/],
    [dir, /lie one inside the other/],
  ] as const) {
    await assert.rejects(
      checkGamesDir(path, join(dir, 'state')),
      (err: unknown) =>
        err instanceof LanspreadError && err.code === 'bad-game-dir' && reason.test(err.message),
      path,
    );
  }
});

test('a typed games folder is absolute by the rules of the platform it runs on', () => {
  const windows = { platform: 'win32' as const, home: 'C:\\Users\\ana' };
  for (const [typed, folder] of [
    ['C:\\Users\\x\\lanspread\\games', 'C:\\Users\\x\\lanspread\\games'],
    ['D:/Games/', 'D:\\Games'],
    ['c:\\a\\..\\b', 'c:\\b'],
    ['\\\\nas\\share\\games', '\\\\nas\\share\\games'],
    ['~\\games', 'C:\\Users\\ana\\games'],
    ['~/games', 'C:\\Users\\ana\\games'],
    ['~', 'C:\\Users\\ana'],
  ] as const) {
    assert.equal(typedFolder(typed, windows), folder, typed);
  }
  for (const typed of ['games', 'C:games', '\\games', '/games', '~x', '']) {
    assert.equal(typedFolder(typed, windows), null, typed);
  }
  const linux = { platform: 'linux' as const, home: '/home/ana' };
  assert.equal(typedFolder('/srv/games/', linux), '/srv/games');
  assert.equal(typedFolder('~/games', linux), '/home/ana/games');
  for (const typed of ['C:\\games', '~\\games', 'games']) {
    assert.equal(typedFolder(typed, linux), null, typed);
  }
});
