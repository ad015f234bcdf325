import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GameId, GameVersion } from '../../../src/ids.js';
import {
  deriveAvailability,
  isServable,
  type Availability,
  type BusyAvailability,
  type LocalGame,
} from '../../../src/library/index.js';

const CATALOG = '20250101' as GameVersion;
const OLD = '20240101' as GameVersion;

function game(fields: Partial<LocalGame>): LocalGame {
  return {
    id: 'cnctw' as GameId,
    version: null,
    downloaded: false,
    installed: false,
    size: 0,
    ...fields,
  };
}

const cases: [string, LocalGame, BusyAvailability | null, Availability][] = [
  ['nothing on disk', game({}), null, 'NotAvailable'],
  [
    'downloaded at the catalog version',
    game({ downloaded: true, version: CATALOG }),
    null,
    'Ready',
  ],
  [
    'downloaded and installed at the catalog version',
    game({ downloaded: true, version: CATALOG, installed: true }),
    null,
    'Ready',
  ],
  [
    'downloaded at an older version',
    game({ downloaded: true, version: OLD }),
    null,
    'NotAvailable',
  ],
  [
    'downloaded at an older version and installed',
    game({ downloaded: true, version: OLD, installed: true }),
    null,
    'LocalOnly',
  ],
  ['version.ini unreadable', game({ downloaded: true, version: null }), null, 'NotAvailable'],
  ['installed only (streamed install)', game({ installed: true }), null, 'LocalOnly'],
  [
    'a download running over a Ready root',
    game({ downloaded: true, version: CATALOG }),
    'Downloading',
    'Downloading',
  ],
  ['a download running into an empty root', game({}), 'Downloading', 'Downloading'],
  [
    'an install running on a Ready root',
    game({ downloaded: true, version: CATALOG }),
    'Installing',
    'Installing',
  ],
  [
    'an install running on an installed-only root',
    game({ installed: true }),
    'Installing',
    'Installing',
  ],
  [
    'an uninstall running on a Ready root',
    game({ downloaded: true, version: CATALOG, installed: true }),
    'Uninstalling',
    'Uninstalling',
  ],
];

for (const [name, local, operation, expected] of cases) {
  test(`${name} -> ${expected}`, () => {
    assert.equal(deriveAvailability(local, CATALOG, operation), expected);
    assert.equal(isServable(local, CATALOG, operation), expected === 'Ready');
  });
}
