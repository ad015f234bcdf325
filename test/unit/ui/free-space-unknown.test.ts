import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SettingsView } from '../../../ui/src/api-types.js';
import { buildLibrary } from '../../../ui/src/game-model.js';
import { gamesFolderHint } from '../../../ui/src/games-folder-hint.js';

const GiB = 1024 ** 3;
/** What `GET /api/settings` answers when statfs fails on the games folder. */
const unknownFree: SettingsView = {
  username: 'ana',
  language: 'english',
  games_dir: '/srv/games',
  free_bytes: null,
  encrypt_transfers: false,
  max_active_downloads: 2,
};

describe('settings with free_bytes: null', () => {
  it('says the free space is unknown instead of failing', () => {
    assert.equal(
      gamesFolderHint(unknownFree.free_bytes),
      'Where games are downloaded and installed. Free space unknown.',
    );
    assert.equal(
      gamesFolderHint(1.5 * GiB),
      'Where games are downloaded and installed. 1.50 GiB free.',
    );
  });

  it('offers the plain download: an unknown free space is no reason to stream', () => {
    const [game] = buildLibrary({
      catalog: [
        {
          id: 'cnc4',
          name: 'C&C 4',
          description: null,
          size: 8 * GiB,
          version: '1',
          manifest_digest: null,
          genre: null,
          max_players: null,
          release_year: null,
          has_cover: false,
        },
      ],
      games: {
        local: [],
        remote: [
          {
            id: 'cnc4',
            name: 'C&C 4',
            eti_game_version: '1',
            peer_count: 1,
            partial_peer_count: 0,
            size: 8 * GiB,
          },
        ],
      },
      operations: {},
      failures: {},
      freeBytes: unknownFree.free_bytes,
    });
    assert.equal(game?.action.kind, 'download');
  });
});
