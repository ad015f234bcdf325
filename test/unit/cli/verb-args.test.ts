import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ArgsError } from '../../../src/cli/peer-args.js';
import { isHumanVerb, parseVerbArgs, type LimitsChange } from '../../../src/cli/verb-args.js';

test('a listing verb takes only --state and --json; the state folder defaults to ~/.lanspread', () => {
  assert.deepEqual(parseVerbArgs('games', []), {
    verb: 'games',
    state: join(homedir(), '.lanspread'),
    json: false,
  });
  assert.deepEqual(parseVerbArgs('peers', ['--state', '/tmp/s', '--json']), {
    verb: 'peers',
    state: '/tmp/s',
    json: true,
  });
  assert.throws(() => parseVerbArgs('games', ['cnc4']), ArgsError);
});

test('download installs unless --no-install', () => {
  assert.deepEqual(parseVerbArgs('download', ['cnc4', '--state', 's']), {
    verb: 'download',
    state: 's',
    json: false,
    game: 'cnc4',
    install: true,
  });
  const only = parseVerbArgs('download', ['--no-install', 'cnc4', '--state', 's']);
  assert.equal('install' in only && only.install, false);
});

test('play passes --name and --language only when given', () => {
  assert.deepEqual(parseVerbArgs('play', ['cnc4', '--state', 's']), {
    verb: 'play',
    state: 's',
    json: false,
    game: 'cnc4',
  });
  assert.deepEqual(
    parseVerbArgs('play', ['cnc4', '--state', 's', '--name', 'Ada', '--language', 'german']),
    { verb: 'play', state: 's', json: false, game: 'cnc4', username: 'Ada', language: 'german' },
  );
  assert.throws(() => parseVerbArgs('play', ['cnc4', '--name', '']), /--name must be 1 to 64/);
});

test('server takes a game id and the same --name and --language as play', () => {
  assert.deepEqual(parseVerbArgs('server', ['cnc4', '--state', 's', '--language', 'german']), {
    verb: 'server',
    state: 's',
    json: false,
    game: 'cnc4',
    language: 'german',
  });
});

test('a game verb needs exactly one game id', () => {
  assert.throws(() => parseVerbArgs('install', []), /install needs a game id/);
  assert.throws(() => parseVerbArgs('cancel', ['a', 'b']), /takes one game id/);
});

test('move takes a game id and a place in the queue', () => {
  assert.deepEqual(parseVerbArgs('move', ['cnc4', '2', '--state', 's']), {
    verb: 'move',
    state: 's',
    json: false,
    game: 'cnc4',
    position: 2,
  });
  for (const bad of [['cnc4'], ['cnc4', '0'], ['cnc4', '1.5'], ['cnc4', 'top'], ['cnc4', '1', '2']])
    assert.throws(() => parseVerbArgs('move', bad), /its new place in the queue/, bad.join(' '));
  assert.deepEqual(parseVerbArgs('pause', ['cnc4', '--state', 's']), {
    verb: 'pause',
    state: 's',
    json: false,
    game: 'cnc4',
  });
});

test('options of other verbs and unknown options are usage errors', () => {
  assert.throws(() => parseVerbArgs('install', ['cnc4', '--no-install']), /download only/);
  assert.throws(() => parseVerbArgs('download', ['cnc4', '--name', 'x']), /play and server only/);
  assert.throws(() => parseVerbArgs('games', ['--verbose']), ArgsError);
  assert.throws(() => parseVerbArgs('games', ['--state']), ArgsError);
});

test('knows its verbs and nothing else', () => {
  assert.ok(isHumanVerb('stream-install'));
  assert.ok(isHumanVerb('cancel'));
  assert.equal(isHumanVerb('peer'), false);
  assert.equal(isHumanVerb('cancel-download'), false);
});

/** What `limits` with these arguments would set. */
function limitsSet(args: string[]): LimitsChange {
  const req = parseVerbArgs('limits', ['--state', 's', ...args]);
  assert.equal(req.verb, 'limits');
  return req.verb === 'limits' ? req.set : {};
}

test('limits shows the caps without options, and sets those given: MiB/s, off, playing on|off', () => {
  assert.deepEqual(parseVerbArgs('limits', ['--state', 's']), {
    verb: 'limits',
    state: 's',
    json: false,
    set: {},
  });
  assert.deepEqual(limitsSet(['--upload', '8', '--download', 'off']), {
    upload_mib_s: 8,
    download_mib_s: null,
  });
  assert.deepEqual(limitsSet(['--playing', 'on']), { playing: true });
  assert.deepEqual(limitsSet(['--upload=0.5']), { upload_mib_s: 0.5 });
  for (const [args, why] of [
    [['--upload', '0'], /--upload must be MiB\/s from 0.1/],
    [['--upload', ''], /--upload must be MiB\/s/],
    [['--download', 'fast'], /--download must be MiB\/s/],
    [['--playing', 'yes'], /--playing must be on or off/],
    [['cnc4'], /limits takes only options/],
  ] as const) {
    assert.throws(() => parseVerbArgs('limits', ['--state', 's', ...args]), why);
  }
  assert.throws(() => parseVerbArgs('games', ['--upload', '8']), /an option of limits only/);
  assert.ok(isHumanVerb('limits'));
});
