import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeCatalogFile } from '../../../src/catalog/index.js';
import { silentLogger } from '../../../src/logger.js';
import { Peer, type CatalogResult } from '../../../src/peer/index.js';
import { startWebServer, type WebServer } from '../../../src/web/index.js';
import { gradientPng } from '../../support/png-image.js';

const TOKEN = 'd'.repeat(64);
const COVER = gradientPng(60, 90, [200, 60, 20], [30, 20, 90]);
let root: string;
let peer: Peer;
let web: WebServer;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lanspread-cover-'));
  const catalogFile = join(root, 'catalog.db');
  await writeCatalogFile(catalogFile, [
    {
      id: 'q3a',
      name: 'Quake III Arena',
      version: '1.32',
      genre: 'Shooter',
      maxPlayers: 16,
      releaseYear: 1999,
      cover: { type: 'image/png', bytes: COVER },
    },
    { id: 'css', name: 'Counter-Strike: Source', version: '1' },
  ]);
  peer = await Peer.start({
    gamesDir: join(root, 'games'),
    stateDir: join(root, 'state'),
    name: 'covers',
    listenHost: '127.0.0.1',
    listenPort: 0,
    catalogFile,
    log: silentLogger,
    rescanIntervalMs: 0,
  });
  // Off loopback, so the token is required as for a guest's phone.
  web = await startWebServer({
    peer,
    host: '0.0.0.0',
    port: 0,
    token: TOKEN,
    uiDir: join(root, 'no-ui'),
    log: silentLogger,
  });
});

after(async () => {
  await web.close();
  await peer.shutdown();
  await rm(root, { recursive: true, force: true });
});

function get(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${web.port}${path}`, init);
}

test('the catalog rows carry the metadata and whether a cover exists', async () => {
  const answer = (await (await get(`/api/catalog?token=${TOKEN}`)).json()) as {
    result: CatalogResult;
  };
  assert.deepEqual(
    answer.result.games.map((g) => [g.id, g.genre, g.max_players, g.release_year, g.has_cover]),
    [
      ['css', null, null, null, false],
      ['q3a', 'Shooter', 16, 1999, true],
    ],
  );
});

test('GET /api/games/:id/cover answers the image with its type, length and an ETag', async () => {
  const res = await get(`/api/games/q3a/cover?token=${TOKEN}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/png');
  assert.equal(res.headers.get('content-length'), String(COVER.length));
  assert.equal(res.headers.get('cache-control'), 'private, no-cache');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), COVER);
  const etag = res.headers.get('etag');
  assert.match(etag ?? '', /^"[\w-]{22}"$/);

  const again = await get('/api/games/q3a/cover', {
    headers: { Authorization: `Bearer ${TOKEN}`, 'If-None-Match': `"other", ${etag ?? ''}` },
  });
  assert.equal(again.status, 304);
  assert.equal((await again.arrayBuffer()).byteLength, 0);

  const head = await get(`/api/games/q3a/cover?token=${TOKEN}`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(COVER.length));
});

test('a game without a cover, an unknown game, no token and another method are refused', async () => {
  const refusal = async (path: string, status: number, code: string, method = 'GET') => {
    const res = await get(path, { method });
    assert.equal(res.status, status, path);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, code, path);
  };
  await refusal(`/api/games/css/cover?token=${TOKEN}`, 404, 'no-cover');
  await refusal(`/api/games/doom/cover?token=${TOKEN}`, 404, 'unknown-game');
  await refusal(
    `/api/games/${encodeURIComponent('../q3a')}/cover?token=${TOKEN}`,
    404,
    'unknown-game',
  );
  await refusal('/api/games/q3a/cover', 401, 'unauthorized');
  await refusal(`/api/games/q3a/cover?token=${TOKEN}`, 404, 'not-found', 'POST');
});
