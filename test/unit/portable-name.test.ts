import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caseClash, foldName, unportablePath, unportableSegment } from '../../src/portable-name.js';

const PORTABLE = [
  'game.exe',
  'Data',
  'x..y',
  '.hidden',
  'CONSOLE.txt',
  'nullable',
  'COM10',
  'LPT',
  'aux_data.bin',
  'straße',
  '日本語.txt',
  'a b',
  // Start like a device name but are not one (ruled out by length before the pattern).
  'content',
  'CONSOLE',
  'lpt10.txt',
  'conin',
  'conout$x',
];

const UNPORTABLE = [
  '',
  '.',
  '..',
  'a\\b',
  'C:',
  'game.exe:stream',
  'a<b',
  'a>b',
  'a"b',
  'a|b',
  'a?b',
  'a*b',
  'tab\there',
  'nul\0byte',
  'del\x7f',
  'a.txt.',
  'a.txt ',
  'CON',
  'con',
  'Prn',
  'AUX',
  'NUL',
  'NUL.txt',
  'nul.tar.gz',
  'CON .txt',
  'COM1',
  'com9.log',
  'LPT1',
  'lpt9',
  'COM¹',
  'CONIN$',
  'conout$',
  'CONOUT$.log',
  'conin$ .txt',
  'LPT³.dat',
  'aux  .x',
];

test('accepts names every system can hold', () => {
  for (const name of PORTABLE) assert.equal(unportableSegment(name), null, name);
});

test('refuses names Windows cannot hold or opens as a device', () => {
  for (const name of UNPORTABLE) {
    assert.notEqual(unportableSegment(name), null, JSON.stringify(name));
  }
});

test('unportablePath finds a bad segment wherever it is in the path', () => {
  for (const name of PORTABLE) {
    for (const path of [name, `x/${name}`, `${name}/y`, `x/${name}/y`]) {
      assert.equal(unportablePath(path), null, path);
    }
  }
  for (const name of UNPORTABLE) {
    for (const path of [name, `x/${name}`, `${name}/y`, `x/${name}/y`]) {
      assert.notEqual(unportablePath(path), null, JSON.stringify(path));
    }
  }
});

test('unportablePath names the segment at fault', () => {
  assert.equal(unportablePath('data/maps/level1.map'), null);
  assert.match(unportablePath('data/AUX.dat/x') ?? '', /"AUX\.dat" is a device name/);
  assert.match(unportablePath('C:/Windows/x') ?? '', /"C:"/);
  assert.match(unportablePath('/etc/passwd') ?? '', /absolute/);
  assert.notEqual(unportablePath('a//b'), null);
  assert.notEqual(unportablePath('a/../b'), null);
});

test('foldName puts together what any case-insensitive disk puts together', () => {
  assert.equal(foldName('Data/A.TXT'), foldName('data/a.txt'));
  assert.equal(foldName('straße'), foldName('STRASSE'));
  assert.equal(foldName('\u212Aelvin'), foldName('kelvin'), 'the Kelvin sign');
  assert.equal(foldName('e\u0301'), foldName('\u00e9'), 'decomposed and composed é');
  assert.notEqual(foldName('a.txt'), foldName('b.txt'));
  assert.equal(foldName('Maps/ÄRGER.txt'), 'maps/ärger.txt');
  assert.equal(foldName('already/lower.txt'), 'already/lower.txt');
});

test('caseClash sees a clash among many files of one folder, and folders met again later', () => {
  const many = Array.from({ length: 50 }, (_, i) => `data/${i}.bin`);
  assert.equal(caseClash([...many, 'other/x', 'data/extra.bin']), null);
  assert.match(caseClash([...many, 'DATA/7.BIN']) ?? '', /data\/7\.bin and DATA\/7\.BIN/);
  assert.match(caseClash([...many, 'other/x', 'Data']) ?? '', /Data is a file/);
});

test('caseClash finds files one case-insensitive disk holds as one', () => {
  assert.equal(caseClash(['Data/a.txt', 'data/b.txt', 'version.ini']), null, 'folders merge');
  assert.equal(caseClash(['a.txt', 'a.txt']), null, 'the same path again replaces the file');
  assert.match(caseClash(['Data/a.txt', 'data/A.TXT']) ?? '', /Data\/a\.txt and data\/A\.TXT/);
  assert.match(caseClash(['straße.txt', 'STRASSE.TXT']) ?? '', /case-insensitive/);
  assert.match(caseClash(['readme', 'README/x']) ?? '', /readme is a file/);
  assert.match(caseClash(['x'], ['X']) ?? '', /x is a file/);
  assert.equal(caseClash(['a/b'], ['A', 'a']), null);
});
