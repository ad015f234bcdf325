import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatGamesTable, formatPeersTable, gameState } from '../../../src/cli/listing-tables.js';
import type { GameRow, PeerRow, RemoteRow } from '../../../src/peer/index.js';

function local(id: string, over: Partial<GameRow> = {}): GameRow {
  return {
    id,
    name: id.toUpperCase(),
    eti_game_version: '20250101',
    downloaded: true,
    installed: false,
    availability: 'Ready',
    size: 3 * 1048576,
    ...over,
  };
}

function remote(id: string, peerCount: number): RemoteRow {
  return {
    id,
    name: id.toUpperCase(),
    eti_game_version: '20250101',
    peer_count: peerCount,
    partial_peer_count: 0,
    size: 1024,
  };
}

test('a game state is said in words, the local state first', () => {
  assert.equal(gameState(local('a', { installed: true }), remote('a', 2)), 'installed');
  assert.equal(gameState(local('a'), undefined), 'downloaded');
  assert.equal(
    gameState(local('a', { availability: 'Downloading', downloaded: false }), undefined),
    'downloading',
  );
  assert.equal(gameState(local('a', { availability: 'Installing' }), undefined), 'installing');
  assert.equal(
    gameState(local('a', { availability: 'Uninstalling', installed: true }), undefined),
    'uninstalling',
  );
  assert.equal(gameState(undefined, remote('a', 1)), 'on 1 peer');
  assert.equal(
    gameState(local('a', { downloaded: false, availability: 'NotAvailable' }), remote('a', 3)),
    'on 3 peers',
  );
  assert.equal(gameState(undefined, undefined), 'no source');
});

test('the games table merges local and remote rows by id, sorted, aligned', () => {
  const text = formatGamesTable({
    local: [local('cnc4', { installed: true, name: 'Command & Conquer 4' })],
    remote: [remote('bf1942', 2), remote('cnc4', 1)],
  });
  assert.equal(
    text,
    [
      'ID      NAME                 SIZE      STATE',
      'bf1942  BF1942               1.00 KiB  on 2 peers',
      'cnc4    Command & Conquer 4  3.00 MiB  installed',
    ].join('\n'),
  );
});

test("catalog games nobody has are listed too, as no source, with the catalog's name and size", () => {
  const text = formatGamesTable({
    local: [local('cnc4', { installed: true, name: 'Command & Conquer 4' })],
    remote: [remote('bf1942', 2)],
    catalog: [
      { id: 'bf1942', name: 'Battlefield 1942', size: 5 },
      { id: 'cnc4', name: 'Command & Conquer 4', size: 7 },
      { id: 'ggoo', name: 'Goo-Goo Galaxy', size: 2048 },
    ],
  });
  assert.equal(
    text,
    [
      'ID      NAME                 SIZE      STATE',
      'bf1942  BF1942               1.00 KiB  on 2 peers',
      'cnc4    Command & Conquer 4  3.00 MiB  installed',
      'ggoo    Goo-Goo Galaxy       2.00 KiB  no source',
    ].join('\n'),
  );
});

test('a game with an empty root (a streamed install) takes its size from the peers, or shows none', () => {
  const streamed = local('cnc4', { size: 0, downloaded: false, installed: true });
  assert.match(
    formatGamesTable({ local: [streamed], remote: [remote('cnc4', 1)] }),
    /1\.00 KiB +installed$/m,
  );
  assert.match(formatGamesTable({ local: [streamed], remote: [] }), /CNC4 +- +installed$/m);
});

test('empty listings say so', () => {
  assert.match(formatGamesTable({ local: [], remote: [] }), /no games/);
  assert.equal(formatPeersTable([], 0), 'no peers connected');
});

test('the peers table shows name, address, version, game count and age of the last message', () => {
  const peer: PeerRow = {
    peer_id: 'x',
    name: 'bob',
    software: '0.1.0',
    addr: '10.0.0.2:40000',
    games: [local('cnc4'), local('ggoo')],
    last_seen_ms: 1_000_000,
    fetching: [],
    sent_bytes: 0,
    received_bytes: 0,
  };
  assert.equal(
    formatPeersTable([peer, { ...peer, name: 'old', software: null }], 1_012_000),
    [
      'NAME  ADDRESS         LANSPREAD  GAMES  LAST SEEN',
      'bob   10.0.0.2:40000  0.1.0      2      12 s ago',
      'old   10.0.0.2:40000  unknown    2      12 s ago',
    ].join('\n'),
  );
});

test('a peer name with escape sequences and bidi overrides is printed inert', () => {
  const out = formatPeersTable(
    [
      {
        peer_id: 'b'.repeat(64),
        name: '\x1b[2J\x1b]0;owned\x07Eve\u202Eexe.txt\u009b1m',
        software: '0.1.0',
        addr: '10.0.0.9:4000',
        games: [],
        last_seen_ms: 0,
        fetching: [],
        sent_bytes: 0,
        received_bytes: 0,
      },
    ],
    0,
  );
  // eslint-disable-next-line no-control-regex -- control characters are what it looks for
  assert.equal(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.test(out), false);
  assert.match(out, /\[2J\]0;ownedEveexe\.txt1m {2}10\.0\.0\.9:4000/);
});
