import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { LanspreadError } from '../../../src/errors.js';
import {
  applyLaunchSettings,
  clearLaunchSettingsMarker,
} from '../../../src/install/launch-settings.js';

const SETTINGS = { username: 'Alice', language: 'german' };
const INI_DIR = 'engine/bin/win64/steam_settings';
const S38_INI = '[Settings]\r\nPersonaName=stub\r\nLanguage=english\r\n';

let base: string;
let root: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'lanspread-launch-'));
  root = join(base, 'games', 'cnctw');
  await mkdir(join(root, 'local'), { recursive: true });
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Writes a file under local/, creating its folders. */
async function put(relative: string, content: string | Buffer): Promise<string> {
  const file = join(root, 'local', relative);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content);
  return file;
}

const read = (relative: string): Promise<Buffer> => readFile(join(root, 'local', relative));
const marker = (): string => join(root, 'launch_settings_applied');

function withCode(code: string): (err: unknown) => boolean {
  return (err) => err instanceof LanspreadError && err.code === code;
}

async function putS38(): Promise<void> {
  await put(`${INI_DIR}/SmartSteamEmu.ini`, S38_INI);
  await put('profiles/local/account_name.txt', 'stub');
  await put('profiles/local/language.txt', 'english');
}

test('first apply stamps all three files of the S38 shape and writes the marker', async () => {
  await putS38();
  const result = await applyLaunchSettings(root, SETTINGS);
  assert.deepEqual(result, {
    alreadyApplied: false,
    accountNameWritten: true,
    languageWritten: true,
    personaNameWritten: true,
  });
  assert.deepEqual(
    await read(`${INI_DIR}/SmartSteamEmu.ini`),
    Buffer.from('[Settings]\r\nPersonaName=Alice\r\nLanguage=english\r\n'),
  );
  assert.deepEqual(await read('profiles/local/account_name.txt'), Buffer.from('Alice'));
  assert.deepEqual(await read('profiles/local/language.txt'), Buffer.from('german'));
  assert.deepEqual(await readFile(marker()), Buffer.alloc(0));
  // The temp files of the atomic writes are gone.
  assert.deepEqual(await readdir(join(root, 'local', INI_DIR)), ['SmartSteamEmu.ini']);
  assert.deepEqual((await readdir(join(root, 'local/profiles/local'))).sort(), [
    'account_name.txt',
    'language.txt',
  ]);
});

test('a second apply reports alreadyApplied and leaves reset files alone', async () => {
  await putS38();
  await applyLaunchSettings(root, SETTINGS);
  await putS38();
  const result = await applyLaunchSettings(root, { username: 'Bob', language: 'french' });
  assert.deepEqual(result, {
    alreadyApplied: true,
    accountNameWritten: false,
    languageWritten: false,
    personaNameWritten: false,
  });
  assert.deepEqual(await read(`${INI_DIR}/SmartSteamEmu.ini`), Buffer.from(S38_INI));
  assert.deepEqual(await read('profiles/local/account_name.txt'), Buffer.from('stub'));
  assert.deepEqual(await read('profiles/local/language.txt'), Buffer.from('english'));
});

test('LF line endings are kept', async () => {
  await put('SmartSteamEmu.ini', '[Settings]\nPersonaName=stub\nLanguage=english\n');
  const result = await applyLaunchSettings(root, SETTINGS);
  assert.equal(result.personaNameWritten, true);
  assert.deepEqual(
    await read('SmartSteamEmu.ini'),
    Buffer.from('[Settings]\nPersonaName=Alice\nLanguage=english\n'),
  );
});

test('a PersonaName on the last line without a newline stays without one', async () => {
  await put('SmartSteamEmu.ini', '[Settings]\r\nLanguage=english\r\nPersonaName=stub');
  await applyLaunchSettings(root, SETTINGS);
  assert.deepEqual(
    await read('SmartSteamEmu.ini'),
    Buffer.from('[Settings]\r\nLanguage=english\r\nPersonaName=Alice'),
  );
});

test('only the first PersonaName line changes; its key and spacing are kept', async () => {
  await put(
    'SmartSteamEmu.ini',
    '#PersonaName=comment\r\nPersonaNameX=other\r\n\t PersonaName \t= old value ; x\r\nPersonaName=second\r\n',
  );
  await applyLaunchSettings(root, { username: 'Zoë', language: 'german' });
  assert.deepEqual(
    await read('SmartSteamEmu.ini'),
    Buffer.from(
      '#PersonaName=comment\r\nPersonaNameX=other\r\n\t PersonaName \t=Zoë\r\nPersonaName=second\r\n',
      'utf8',
    ),
  );
});

test('an empty PersonaName value is filled in', async () => {
  await put('SmartSteamEmu.ini', 'PersonaName=\r\nLanguage=english\r\n');
  await applyLaunchSettings(root, SETTINGS);
  assert.deepEqual(
    await read('SmartSteamEmu.ini'),
    Buffer.from('PersonaName=Alice\r\nLanguage=english\r\n'),
  );
});

test('a BOM does not hide a PersonaName on the first line', async () => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  await put('SmartSteamEmu.ini', Buffer.concat([bom, Buffer.from('PersonaName=stub\r\n')]));
  await applyLaunchSettings(root, SETTINGS);
  assert.deepEqual(
    await read('SmartSteamEmu.ini'),
    Buffer.concat([bom, Buffer.from('PersonaName=Alice\r\n')]),
  );
});

test('an ini without a PersonaName line is untouched and reported', async () => {
  const ini = '[Settings]\r\npersonaname=lower\r\nLanguage=english\r\n';
  await put('SmartSteamEmu.ini', ini);
  const result = await applyLaunchSettings(root, SETTINGS);
  assert.deepEqual(result, {
    alreadyApplied: false,
    accountNameWritten: false,
    languageWritten: false,
    personaNameWritten: false,
  });
  assert.deepEqual(await read('SmartSteamEmu.ini'), Buffer.from(ini));
  assert.equal(existsSync(marker()), true);
});

test('bytes that are not UTF-8 elsewhere in the ini survive', async () => {
  const before = Buffer.concat([
    Buffer.from('; caf'),
    Buffer.from([0xe9, 0xff, 0xfe, 0x80, 0xc3]),
    Buffer.from('\r\n[Settings]\r\nPersonaName=st'),
    Buffer.from([0xfc]),
    Buffer.from('b\r\nNote='),
    Buffer.from([0x81, 0x00, 0xa0]),
    Buffer.from('\r\n'),
  ]);
  const after = Buffer.concat([
    Buffer.from('; caf'),
    Buffer.from([0xe9, 0xff, 0xfe, 0x80, 0xc3]),
    Buffer.from('\r\n[Settings]\r\nPersonaName=Alice\r\nNote='),
    Buffer.from([0x81, 0x00, 0xa0]),
    Buffer.from('\r\n'),
  ]);
  await put('SmartSteamEmu.ini', before);
  await applyLaunchSettings(root, SETTINGS);
  assert.deepEqual(await read('SmartSteamEmu.ini'), after);
});

test('the first file in the sorted walk wins: a/ before b/', async () => {
  await put('b/account_name.txt', 'b');
  await put('a/account_name.txt', 'a');
  await applyLaunchSettings(root, SETTINGS);
  assert.deepEqual(await read('a/account_name.txt'), Buffer.from('Alice'));
  assert.deepEqual(await read('b/account_name.txt'), Buffer.from('b'));
});

test('a folder that sorts before a top-level file is searched first', async () => {
  // 'a' < 'account_name.txt', so a/ is entered before the file beside it is reached.
  await put('account_name.txt', 'top');
  await put('a/account_name.txt', 'nested');
  await applyLaunchSettings(root, SETTINGS);
  assert.deepEqual(await read('a/account_name.txt'), Buffer.from('Alice'));
  assert.deepEqual(await read('account_name.txt'), Buffer.from('top'));
});

test('a top-level file that sorts before a folder wins over the nested one', async () => {
  await put('account_name.txt', 'top');
  await put('z/account_name.txt', 'nested');
  await applyLaunchSettings(root, SETTINGS);
  assert.deepEqual(await read('account_name.txt'), Buffer.from('Alice'));
  assert.deepEqual(await read('z/account_name.txt'), Buffer.from('nested'));
});

test('names sort byte-wise (uppercase first), not by locale', async () => {
  await put('a/language.txt', 'a');
  await put('B/language.txt', 'B');
  await applyLaunchSettings(root, SETTINGS);
  assert.deepEqual(await read('B/language.txt'), Buffer.from('german'));
  assert.deepEqual(await read('a/language.txt'), Buffer.from('a'));
});

test('file names match case-sensitively', async () => {
  await put('A/Account_Name.txt', 'wrong case');
  await put('A/LANGUAGE.TXT', 'wrong case');
  await put('b/account_name.txt', 'b');
  const result = await applyLaunchSettings(root, SETTINGS);
  assert.equal(result.accountNameWritten, true);
  assert.equal(result.languageWritten, false);
  assert.deepEqual(await read('A/Account_Name.txt'), Buffer.from('wrong case'));
  assert.deepEqual(await read('A/LANGUAGE.TXT'), Buffer.from('wrong case'));
  assert.deepEqual(await read('b/account_name.txt'), Buffer.from('Alice'));
});

test('a symlinked file is neither written nor counted', async () => {
  const outside = join(base, 'outside.txt');
  await writeFile(outside, 'outside');
  await mkdir(join(root, 'local/a'), { recursive: true });
  await symlink(outside, join(root, 'local/a/account_name.txt'));
  await put('b/account_name.txt', 'b');
  const result = await applyLaunchSettings(root, SETTINGS);
  assert.equal(result.accountNameWritten, true);
  assert.deepEqual(await readFile(outside), Buffer.from('outside'));
  assert.equal((await lstat(join(root, 'local/a/account_name.txt'))).isSymbolicLink(), true);
  assert.deepEqual(await read('b/account_name.txt'), Buffer.from('Alice'));
});

test('a symlinked folder is not entered', async () => {
  const outside = join(base, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'account_name.txt'), 'outside');
  await writeFile(join(outside, 'SmartSteamEmu.ini'), 'PersonaName=outside\r\n');
  await symlink(outside, join(root, 'local/a'), 'dir');
  const result = await applyLaunchSettings(root, SETTINGS);
  assert.equal(result.accountNameWritten, false);
  assert.equal(result.personaNameWritten, false);
  assert.deepEqual(await readFile(join(outside, 'account_name.txt')), Buffer.from('outside'));
  assert.deepEqual(
    await readFile(join(outside, 'SmartSteamEmu.ini')),
    Buffer.from('PersonaName=outside\r\n'),
  );
});

test('no files at all: nothing written, but the marker is', async () => {
  await put('game.exe', 'MZ');
  const result = await applyLaunchSettings(root, SETTINGS);
  assert.deepEqual(result, {
    alreadyApplied: false,
    accountNameWritten: false,
    languageWritten: false,
    personaNameWritten: false,
  });
  assert.deepEqual(await readFile(marker()), Buffer.alloc(0));
  assert.deepEqual(await read('game.exe'), Buffer.from('MZ'));
});

test('a root without local/ is not-installed and gets no marker', async () => {
  await rm(join(root, 'local'), { recursive: true });
  await assert.rejects(applyLaunchSettings(root, SETTINGS), withCode('not-installed'));
  assert.equal(existsSync(marker()), false);
});

test('a local/ that is a file is not-installed', async () => {
  await rm(join(root, 'local'), { recursive: true });
  await writeFile(join(root, 'local'), 'not a folder');
  await assert.rejects(applyLaunchSettings(root, SETTINGS), withCode('not-installed'));
  assert.equal(existsSync(marker()), false);
});

test('line breaks and NUL in the values are refused before anything is written', async () => {
  await putS38();
  for (const settings of [
    { username: 'Al\nice', language: 'german' },
    { username: 'Al\rice', language: 'german' },
    { username: 'Alice', language: 'ger\0man' },
  ]) {
    await assert.rejects(applyLaunchSettings(root, settings), withCode('bad-command'));
  }
  assert.deepEqual(await read('profiles/local/account_name.txt'), Buffer.from('stub'));
  assert.deepEqual(await read(`${INI_DIR}/SmartSteamEmu.ini`), Buffer.from(S38_INI));
  assert.equal(existsSync(marker()), false);
});

test('clearLaunchSettingsMarker removes the marker, so the next apply stamps again', async () => {
  await putS38();
  await applyLaunchSettings(root, SETTINGS);
  await clearLaunchSettingsMarker(root);
  assert.equal(existsSync(marker()), false);
  await putS38();
  const result = await applyLaunchSettings(root, { username: 'Bob', language: 'french' });
  assert.equal(result.alreadyApplied, false);
  assert.deepEqual(await read('profiles/local/account_name.txt'), Buffer.from('Bob'));
  assert.deepEqual(
    await read(`${INI_DIR}/SmartSteamEmu.ini`),
    Buffer.from('[Settings]\r\nPersonaName=Bob\r\nLanguage=english\r\n'),
  );
});

test('clearLaunchSettingsMarker is fine when there is no marker', async () => {
  await clearLaunchSettingsMarker(root);
  await clearLaunchSettingsMarker(join(base, 'no-such-root'));
  assert.equal(existsSync(marker()), false);
});
