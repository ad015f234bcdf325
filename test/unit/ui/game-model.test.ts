import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  CatalogRow,
  GamesResult,
  LocalGameRow,
  RemoteRow,
} from '../../../ui/src/api-types.js';
import { startProgress } from '../../../src/progress-fold.js';
import { hueOf, initialsOf } from '../../../ui/src/cover-placeholder.js';
import {
  buildLibrary,
  genresOf,
  metadataWords,
  selectGames,
  type LibraryInputs,
} from '../../../ui/src/game-model.js';

const GiB = 1024 ** 3;
const catalog: CatalogRow[] = [
  {
    id: 'aoe2',
    name: 'Age of Empires II',
    description: null,
    size: 1 * GiB,
    version: '20250101',
    manifest_digest: null,
    genre: 'Strategy',
    max_players: 8,
    release_year: 2000,
    has_cover: true,
  },
  {
    id: 'bf1942',
    name: 'Battlefield 1942',
    description: null,
    size: 2 * GiB,
    version: '20250101',
    manifest_digest: null,
    genre: 'Shooter',
    max_players: 64,
    release_year: 2002,
    has_cover: false,
  },
  {
    id: 'cnc4',
    name: 'Command & Conquer 4',
    description: null,
    size: 8 * GiB,
    version: '20250101',
    manifest_digest: 'ab'.repeat(32),
    genre: 'Strategy',
    max_players: null,
    release_year: null,
    has_cover: false,
  },
];

function local(id: string, fields: Partial<LocalGameRow>): LocalGameRow {
  return {
    id,
    name: id,
    eti_game_version: '20250101',
    downloaded: true,
    installed: false,
    availability: 'Ready',
    size: 2 * GiB,
    running: false,
    server_running: false,
    ...fields,
  };
}

/** cnc4 as the peers offer it: `peers` complete copies, `partial` downloaders. */
function remoteCnc4(peers: number, partial: number): RemoteRow {
  return {
    id: 'cnc4',
    name: 'x',
    eti_game_version: '20250101',
    peer_count: peers,
    partial_peer_count: partial,
    size: 8 * GiB,
  };
}

function library(games: Partial<GamesResult>, more: Partial<LibraryInputs> = {}) {
  return buildLibrary({
    catalog,
    games: { local: [], remote: [], ...games },
    operations: {},
    failures: {},
    freeBytes: 100 * GiB,
    ...more,
  });
}

function byId(id: string, games: ReturnType<typeof library>) {
  const game = games.find((g) => g.id === id);
  assert.ok(game, id);
  return game;
}

describe('buildLibrary', () => {
  it('lists every catalog game, with no source and no action when nobody has it', () => {
    const games = library({});
    assert.deepEqual(
      games.map((g) => g.id),
      ['aoe2', 'bf1942', 'cnc4'],
    );
    assert.equal(byId('aoe2', games).state, 'no source on the LAN');
    assert.equal(byId('aoe2', games).action.kind, 'none');
  });

  it('marks as verified exactly the games whose catalog row has a digest', () => {
    const games = library({});
    assert.deepEqual(
      games.map((g) => [g.id, g.verified]),
      [
        ['aoe2', false],
        ['bf1942', false],
        ['cnc4', true],
      ],
    );
  });

  it('offers Download & install with the source count when peers have it and it fits', () => {
    const game = byId(
      'cnc4',
      library({
        remote: [remoteCnc4(3, 0)],
      }),
    );
    assert.equal(game.state, 'on 3 peers');
    assert.equal(game.action.kind, 'download');
  });

  it('says a queued download waits for a peer when no peer has the game', () => {
    const queue = [
      { game: 'cnc4', kind: 'download', position: 2, state: 'queued', install: true },
    ] as const;
    assert.equal(
      byId('cnc4', library({}, { queue: [...queue] })).state,
      'queued (#2), waiting for a peer that has it',
    );
    assert.equal(
      byId('cnc4', library({ remote: [remoteCnc4(1, 0)] }, { queue: [...queue] })).state,
      'queued (#2)',
    );
  });

  it('says how many peers are downloading it besides the sources', () => {
    const game = byId(
      'cnc4',
      library({
        remote: [remoteCnc4(1, 3)],
      }),
    );
    assert.equal(game.state, 'on 1 peer, 3 downloading');
  });

  it('offers Stream install, and says why, when archive and install do not both fit', () => {
    const game = byId(
      'cnc4',
      library(
        {
          remote: [remoteCnc4(1, 0)],
        },
        { freeBytes: 12 * GiB },
      ),
    );
    assert.equal(game.state, 'on 1 peer');
    assert.equal(game.action.kind, 'stream-install');
    assert.match(
      game.action.kind === 'stream-install' ? game.action.why : '',
      /12\.0 GiB free.*16\.0 GiB/,
    );
  });

  it('says downloaded and offers Install, installed and offers Play', () => {
    const games = library({ local: [local('bf1942', {}), local('aoe2', { installed: true })] });
    assert.equal(byId('bf1942', games).state, 'downloaded');
    assert.equal(byId('bf1942', games).action.kind, 'install');
    assert.equal(byId('aoe2', games).state, 'installed');
    assert.equal(byId('aoe2', games).action.kind, 'play');
  });

  it('says running and offers no second Play while the game runs', () => {
    const game = byId(
      'aoe2',
      library({ local: [local('aoe2', { installed: true, running: true })] }),
    );
    assert.equal(game.state, 'running');
    assert.equal(game.action.kind, 'none');
  });

  it('offers Update for an older downloaded version that a peer has at the catalog version', () => {
    const game = byId(
      'bf1942',
      library({
        local: [local('bf1942', { eti_game_version: '20240101' })],
        remote: [
          {
            id: 'bf1942',
            name: 'x',
            eti_game_version: '20250101',
            peer_count: 1,
            partial_peer_count: 0,
            size: 2 * GiB,
          },
        ],
      }),
    );
    assert.equal(game.action.kind, 'update');
  });

  it('shows a running download in percent and keeps its failure', () => {
    const games = library(
      {},
      {
        operations: {
          cnc4: {
            kind: 'download',
            progress: {
              ...startProgress('cnc4', 0),
              phase: 'downloading',
              bytesDone: 43,
              bytesTotal: 100,
            },
          },
        },
        failures: { aoe2: { code: 'no-sources-left', message: 'gone' } },
      },
    );
    assert.equal(byId('cnc4', games).state, 'downloading 43 %');
    assert.equal(byId('aoe2', games).failure?.code, 'no-sources-left');
  });
});

describe('selectGames', () => {
  const games = library({
    local: [local('aoe2', { installed: true })],
    remote: [
      {
        id: 'bf1942',
        name: 'x',
        eti_game_version: '20250101',
        peer_count: 1,
        partial_peer_count: 0,
        size: 2 * GiB,
      },
      remoteCnc4(4, 0),
    ],
  });
  const ids = (shown: typeof games) => shown.map((g) => g.id);

  it('filters by search text, installed and on the LAN', () => {
    assert.deepEqual(ids(selectGames(games, 'battle', 'all', 'name')), ['bf1942']);
    assert.deepEqual(ids(selectGames(games, '', 'installed', 'name')), ['aoe2']);
    assert.deepEqual(ids(selectGames(games, '', 'lan', 'name')), ['bf1942', 'cnc4']);
  });

  it('sorts by name, by size (largest first) and by sources (most first)', () => {
    assert.deepEqual(ids(selectGames(games, '', 'all', 'name')), ['aoe2', 'bf1942', 'cnc4']);
    assert.deepEqual(ids(selectGames(games, '', 'all', 'size')), ['cnc4', 'aoe2', 'bf1942']);
    assert.deepEqual(ids(selectGames(games, '', 'all', 'sources')), ['cnc4', 'bf1942', 'aoe2']);
  });

  it('filters by genre and by "players ≥ N"; a game without a player count does not pass that filter', () => {
    const pick = (genre: string | null, minPlayers: number | null) =>
      ids(selectGames(games, '', 'all', 'name', { genre, minPlayers }));
    assert.deepEqual(pick('Strategy', null), ['aoe2', 'cnc4']);
    assert.deepEqual(pick(null, 8), ['aoe2', 'bf1942']);
    assert.deepEqual(pick(null, 16), ['bf1942']);
    assert.deepEqual(pick('Strategy', 16), []);
    assert.deepEqual(pick(null, null), ['aoe2', 'bf1942', 'cnc4']);
  });
});

describe('catalog metadata', () => {
  const games = library({});

  it('carries genre, players, year and cover, and lists each genre once', () => {
    const aoe2 = byId('aoe2', games);
    assert.deepEqual(
      [aoe2.genre, aoe2.maxPlayers, aoe2.releaseYear, aoe2.hasCover],
      ['Strategy', 8, 2000, true],
    );
    assert.deepEqual(genresOf(games), ['Shooter', 'Strategy']);
  });

  it('says what the catalog knows in words, and nothing when it knows nothing', () => {
    assert.equal(metadataWords(byId('aoe2', games)), 'Strategy · up to 8 players · 2000');
    assert.equal(metadataWords(byId('cnc4', games)), 'Strategy');
    assert.equal(
      metadataWords({ ...byId('cnc4', games), genre: null, maxPlayers: 1 }),
      'single player',
    );
    assert.equal(metadataWords({ ...byId('cnc4', games), genre: null }), '');
  });

  it('draws a placeholder from the name and id: two initials, a stable hue', () => {
    assert.equal(initialsOf('Counter-Strike: Source'), 'CS');
    assert.equal(initialsOf('Age of Empires II: The Conquerors'), 'AE');
    assert.equal(initialsOf('Command & Conquer 4'), 'CC');
    assert.equal(initialsOf('Battlefield 1942'), 'B1');
    assert.equal(initialsOf('Quake III Arena'), 'QA');
    assert.equal(initialsOf('élan'), 'É');
    assert.equal(initialsOf('!!!'), '?');
    assert.equal(hueOf('q3a'), hueOf('q3a'));
    const hues = new Set(['q3a', 'css', 'wc3', 'aoe2', 'cnc4', 'ut2004'].map(hueOf));
    assert.ok(hues.size >= 5, 'different ids get different colours');
    for (const hue of hues) assert.ok(Number.isInteger(hue) && hue >= 0 && hue < 360);
  });
});
