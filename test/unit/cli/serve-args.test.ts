import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ArgsError } from '../../../src/cli/peer-args.js';
import {
  DEFAULT_SHARE_PORT,
  DEFAULT_UI_PORT,
  defaultGamesDir,
  defaultStateDir,
  parseServeArgs,
} from '../../../src/cli/serve-args.js';

test('a first start needs no argument: home folders, loopback UI, every address for peers', () => {
  const args = parseServeArgs([]);
  assert.equal(args.peer.games, join(homedir(), 'lanspread', 'games'));
  assert.equal(args.peer.state, join(homedir(), '.lanspread'));
  assert.equal(args.gamesGiven, false);
  assert.deepEqual([args.uiHost, args.uiPort, args.uiGiven], ['127.0.0.1', DEFAULT_UI_PORT, false]);
  assert.deepEqual([args.peer.listenHost, args.peer.listenPort], ['0.0.0.0', 0]);
  assert.equal(args.peer.mdns, true);
  assert.equal(args.open, false);
  assert.deepEqual(args.share, { host: '0.0.0.0', port: DEFAULT_SHARE_PORT });
  assert.equal(args.releaseDir, undefined);
});

test('--share, --no-share and --release-dir', () => {
  const args = parseServeArgs(['--share', '192.168.1.20:8000', '--release-dir=/r']);
  assert.deepEqual([args.share, args.releaseDir], [{ host: '192.168.1.20', port: 8000 }, '/r']);
  assert.deepEqual(parseServeArgs(['--share=[::]:0']).share, { host: '::', port: 0 });
  assert.equal(parseServeArgs(['--no-share']).share, null);
});

test('on Windows the state lives in %LOCALAPPDATA% and the games in %USERPROFILE%', () => {
  const windows = {
    platform: 'win32' as const,
    env: { LOCALAPPDATA: 'C:\\Users\\Ana\\AppData\\Local', USERPROFILE: 'C:\\Users\\Ana' },
    home: 'C:\\Users\\Fallback',
  };
  assert.equal(defaultStateDir(windows), 'C:\\Users\\Ana\\AppData\\Local\\lanspread');
  assert.equal(defaultGamesDir(windows), 'C:\\Users\\Ana\\lanspread\\games');
  const bare = { ...windows, env: {} };
  assert.equal(defaultStateDir(bare), 'C:\\Users\\Fallback\\AppData\\Local\\lanspread');
  assert.equal(defaultGamesDir(bare), 'C:\\Users\\Fallback\\lanspread\\games');
});

test('on Linux and macOS both live in the home folder, whatever Windows variables are set', () => {
  for (const platform of ['linux', 'darwin'] as const) {
    const at = {
      platform,
      env: { LOCALAPPDATA: '/nope', USERPROFILE: '/nope' },
      home: '/home/ana',
    };
    assert.equal(defaultStateDir(at), '/home/ana/.lanspread');
    assert.equal(defaultGamesDir(at), '/home/ana/lanspread/games');
  }
});

test('--games takes a Windows path as it is given', () => {
  const args = parseServeArgs(['--games', 'C:\\Users\\x\\lanspread\\games']);
  assert.equal(args.peer.games, 'C:\\Users\\x\\lanspread\\games');
  assert.equal(args.gamesGiven, true);
});

test('--ui, --open and the peer options are taken as given', () => {
  const args = parseServeArgs([
    '--games',
    '/g',
    '--state=/s',
    '--ui',
    '[::1]:0',
    '--open',
    '--no-mdns',
    '--listen',
    '127.0.0.1:7000',
    '--name',
    'lan-box',
    '--log-level',
    'warn',
  ]);
  assert.deepEqual(
    [args.peer.games, args.peer.state, args.gamesGiven, args.peer.name, args.peer.logLevel],
    ['/g', '/s', true, 'lan-box', 'warn'],
  );
  assert.deepEqual([args.uiHost, args.uiPort, args.uiGiven, args.open], ['::1', 0, true, true]);
  assert.deepEqual([args.peer.listenPort, args.peer.mdns], [7000, false]);
  assert.equal(parseServeArgs(['--ui=0.0.0.0:8080']).uiHost, '0.0.0.0');
});

test('mistakes are ArgsErrors', () => {
  for (const argv of [
    ['--ui'],
    ['--ui', 'nohost'],
    ['--ui', 'h:99999'],
    ['--bogus'],
    ['x'],
    ['--share', 'nohost'],
    ['--share'],
    ['--release-dir'],
    ['--no-share', '--share', '0.0.0.0:1'],
  ]) {
    assert.throws(() => parseServeArgs(argv), ArgsError, argv.join(' '));
  }
});
