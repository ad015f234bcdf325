import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { DIGEST_CHUNK_SIZE, digestManifest, type CatalogGame } from '../../../src/catalog/index.js';
import type { GameId, GameVersion } from '../../../src/ids.js';
import type { Manifest } from '../../../src/protocol/index.js';
import {
  manifestChunkSize,
  matchCatalogDigest,
} from '../../../src/transfer/catalog-digest-check.js';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

function manifest(readme: string, chunkSize = DIGEST_CHUNK_SIZE): Manifest {
  return {
    t: 'manifest',
    game: 'ggoo' as GameId,
    version: '20250101' as GameVersion,
    chunk_size: chunkSize,
    files: [
      { path: 'version.ini', size: 9, chunks: [sha('20250101\n')] },
      { path: 'readme.txt', size: readme.length, chunks: [sha(readme)] },
    ],
  };
}

function game(manifestDigest: string | null): CatalogGame {
  return {
    id: 'ggoo' as GameId,
    name: 'Goo',
    description: null,
    size: null,
    version: '20250101' as GameVersion,
    manifestDigest,
    genre: null,
    maxPlayers: null,
    releaseYear: null,
    cover: null,
  };
}

test('with a digest only the vouched manifest matches; without one every manifest does', () => {
  const vouched = game(digestManifest(manifest('honest')));
  assert.equal(matchCatalogDigest(vouched, manifest('honest')), null);
  assert.match(
    matchCatalogDigest(vouched, manifest('trojan')) ?? '',
    /do not match the catalog's digest [0-9a-f]{12}… \(it offers files whose digest is [0-9a-f]{12}…\)/,
  );
  assert.match(
    matchCatalogDigest(vouched, manifest('honest', 1024 * 1024)) ?? '',
    /a manifest at chunks of 1048576 bytes, which has no digest/,
  );
  assert.equal(matchCatalogDigest(game(null), manifest('trojan', 1024 * 1024)), null);
});

test('a digest makes the download ask for manifests at its chunk size', () => {
  assert.equal(manifestChunkSize(game(null), 1024 * 1024), 1024 * 1024);
  assert.equal(manifestChunkSize(game('0'.repeat(64)), 1024 * 1024), DIGEST_CHUNK_SIZE);
});
