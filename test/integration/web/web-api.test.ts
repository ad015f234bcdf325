import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LogRing, silentLogger, type Logger } from '../../../src/logger.js';
import { Peer, type GameRow, type PeerRow, type RemoteRow } from '../../../src/peer/index.js';
import { startWebServer, type WebServer } from '../../../src/web/index.js';
import { writeFixtureGame } from '../../support/fixture-games.js';
import { bigGame, smallGame } from '../../scenarios/harness/fixtures.js';
import { call, openEvents } from './web-client.js';

const TOKEN = 'c'.repeat(64);
let root: string;
let source: Peer;
let local: Peer;
let web: WebServer;
const ring = new LogRing();

function startPeer(name: string, log: Logger = silentLogger): Promise<Peer> {
  return Peer.start({
    gamesDir: join(root, name, 'games'),
    stateDir: join(root, name, 'state'),
    name,
    listenHost: '127.0.0.1',
    listenPort: 0,
    log,
    rescanIntervalMs: 0,
  });
}

function startWeb(opts: { host?: string; uiDir?: string } = {}): Promise<WebServer> {
  return startWebServer({
    peer: local,
    host: opts.host ?? '127.0.0.1',
    port: 0,
    token: TOKEN,
    uiDir: opts.uiDir ?? join(root, 'no-ui'),
    log: silentLogger,
    logRing: ring,
  });
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lanspread-web-'));
  for (const id of ['alienswarm', 'bf1942']) {
    await writeFixtureGame(join(root, 'source', 'games'), smallGame(id));
  }
  // Big enough that a cancel sent on download-begin arrives while chunks still flow.
  await writeFixtureGame(join(root, 'source', 'games'), bigGame('cnctw', 256, { files: 4 }));
  // cnc4 carries the files first play stamps, to see which names the server filled in.
  const cnc4 = smallGame('cnc4');
  cnc4.archives?.[0]?.entries.push(
    { path: 'account_name.txt', size: 8 },
    { path: 'language.txt', size: 8 },
  );
  await writeFixtureGame(join(root, 'source', 'games'), cnc4);
  source = await startPeer('source');
  local = await startPeer('local');
  web = await startWeb();
});

after(async () => {
  await web.close();
  await local.shutdown();
  await source.shutdown();
  await rm(root, { recursive: true, force: true });
});

async function ok(method: string, path: string, body?: unknown): Promise<unknown> {
  const answer = await call(web.port, method, path, body === undefined ? {} : { body });
  assert.equal(answer.status, 200, `${method} ${path}: ${answer.text}`);
  assert.equal(answer.json.ok, true);
  return answer.json.result;
}

async function refused(
  method: string,
  path: string,
  body: unknown,
  status: number,
  code: string,
): Promise<string> {
  const answer = await call(web.port, method, path, body === undefined ? {} : { body });
  assert.equal(answer.status, status, `${method} ${path}: ${answer.text}`);
  assert.equal(answer.json.ok, false);
  assert.equal(answer.json.error?.code, code, answer.text);
  return answer.json.error?.message ?? '';
}

test('the read routes answer the peer rows', async () => {
  const status = (await ok('GET', '/api/status')) as { peer_id: string; peers: number };
  assert.equal(status.peer_id, local.peerId);
  assert.deepEqual(await ok('GET', '/api/peers'), []);
  assert.deepEqual(await ok('GET', '/api/games'), { local: [], remote: [] });
  const catalog = (await ok('GET', '/api/catalog')) as {
    source: string;
    games: { id: string; version: string }[];
  };
  assert.equal(catalog.source, 'embedded');
  assert.ok(catalog.games.some((g) => g.id === 'cnc4' && g.version === '20250101'));
  assert.deepEqual(await ok('GET', '/api/games/cnc4/files'), { files: [] });
  await refused('GET', '/api/games/nope/files', undefined, 404, 'unknown-game');
});

test('connect, list-peers, wait-peers and list-games over POST /api/commands', async () => {
  const connected = (await ok('POST', '/api/commands/connect', { addr: source.addr })) as {
    peer_id: string;
  };
  assert.equal(connected.peer_id, source.peerId);
  const peers = (await ok('POST', '/api/commands/list-peers')) as { peer_id: string }[];
  assert.deepEqual(
    peers.map((p) => p.peer_id),
    [source.peerId],
  );
  assert.deepEqual(await ok('POST', '/api/commands/wait-peers', { count: 1, timeout_ms: 1000 }), {
    peer_count: 1,
  });
  await refused('POST', '/api/commands/wait-peers', { count: 2, timeout_ms: 50 }, 422, 'timeout');
  const games = (await ok('POST', '/api/commands/list-games')) as { remote: RemoteRow[] };
  assert.deepEqual(games.remote.map((r) => [r.id, r.peer_count]).sort(), [
    ['alienswarm', 1],
    ['bf1942', 1],
    ['cnc4', 1],
    ['cnctw', 1],
  ]);
  assert.deepEqual(await ok('POST', '/api/commands/status'), await ok('GET', '/api/status'));
});

test("a download's events arrive over the WebSocket and the game's files are listed", async () => {
  const { ws, events } = await openEvents(web.port);
  try {
    const result = (await ok('POST', '/api/commands/download', {
      game: 'cnc4',
      install: false,
    })) as { game?: string };
    assert.equal(result.game, 'cnc4');
    const deadline = Date.now() + 5000;
    while (!events.some((e) => e.event === 'download-finished') && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 20));
    }
    const names = events.filter((e) => e.game === 'cnc4').map((e) => e.event);
    for (const name of ['got-game-files', 'download-begin', 'download-finished']) {
      assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    }
  } finally {
    ws.close();
  }
  const { files } = (await ok('GET', '/api/games/cnc4/files')) as {
    files: { path: string; size: number }[];
  };
  assert.deepEqual(
    files.map((f) => [f.path, f.size]),
    [
      ['cnc4.eti', files.find((f) => f.path === 'cnc4.eti')?.size],
      ['notes.txt', 300],
      ['version.ini', 9],
    ],
  );
  // The source's row counts what it served us; it downloads nothing itself.
  const [row] = (await ok('GET', '/api/peers')) as PeerRow[];
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  assert.ok(row !== undefined && row.received_bytes >= bytes, JSON.stringify(row));
  assert.deepEqual([row.sent_bytes, row.fetching], [0, []]);
});

test('install, play with and without names, uninstall, stream-install', async () => {
  await ok('POST', '/api/commands/install', { game: 'cnc4' });
  // Without username and language the saved settings fill them in.
  const saved = (await ok('GET', '/api/settings')) as { username: string; language: string };
  const first = (await ok('POST', '/api/commands/play', { game: 'cnc4' })) as {
    already_applied: boolean;
    account_name_written: boolean;
  };
  assert.deepEqual([first.already_applied, first.account_name_written], [false, true]);
  const stamped = join(local.gamesDir, 'cnc4', 'local');
  assert.equal(await readFile(join(stamped, 'account_name.txt'), 'utf8'), saved.username);
  assert.equal(await readFile(join(stamped, 'language.txt'), 'utf8'), saved.language);
  const again = (await ok('POST', '/api/commands/play', {
    game: 'cnc4',
    username: 'Ann',
    language: 'german',
  })) as { already_applied: boolean };
  assert.equal(again.already_applied, true);
  await ok('POST', '/api/commands/uninstall', { game: 'cnc4' });
  await refused('POST', '/api/commands/uninstall', { game: 'cnc4' }, 404, 'not-installed');
  await refused('POST', '/api/commands/play', { game: 'cnc4' }, 404, 'not-installed');
  await refused('POST', '/api/commands/install', { game: 'bf1942' }, 409, 'not-downloaded');
  await ok('POST', '/api/commands/stream-install', { game: 'alienswarm' });
  const games = (await ok('GET', '/api/games')) as { local: GameRow[] };
  assert.equal(games.local.find((g) => g.id === 'alienswarm')?.installed, true);
});

test('cancel-download over HTTP ends a running download with cancelled', async () => {
  const { ws, events } = await openEvents(web.port);
  try {
    const download = call(web.port, 'POST', '/api/commands/download', { body: { game: 'cnctw' } });
    while (!events.some((e) => e.event === 'download-begin' && e.game === 'cnctw')) {
      await new Promise((done) => setTimeout(done, 2));
    }
    assert.deepEqual(await ok('POST', '/api/commands/cancel-download', { game: 'cnctw' }), {
      game: 'cnctw',
    });
    const answer = await download;
    assert.equal(answer.status, 422, answer.text);
    assert.equal(answer.json.error?.code, 'cancelled');
    while (!events.some((e) => e.event === 'download-cancelled')) {
      await new Promise((done) => setTimeout(done, 5));
    }
  } finally {
    ws.close();
  }
});

test('cancel-download, update and remove-files answer what the peer answers', async () => {
  await refused(
    'POST',
    '/api/commands/cancel-download',
    { game: 'bf1942' },
    409,
    'nothing-to-cancel',
  );
  await refused('POST', '/api/commands/update', { game: 'cnc4' }, 409, 'already-up-to-date');
  await refused('POST', '/api/commands/update', { game: 'nope' }, 404, 'unknown-game');
  assert.deepEqual(await ok('POST', '/api/commands/remove-files', { game: 'alienswarm' }), {
    game: 'alienswarm',
  });
  assert.deepEqual(await ok('GET', '/api/games/alienswarm/files'), { files: [] });
});

test('malformed requests get 4xx JSON answers and the server keeps serving', async () => {
  const send = (path: string, body: string, headers: Record<string, string>) =>
    call(web.port, 'POST', path, { body, headers });
  const json = { 'Content-Type': 'application/json' };
  let answer = await send('/api/commands/download', '{"game":', json);
  assert.equal(answer.status, 400);
  assert.equal(answer.json.error?.code, 'bad-command');
  answer = await send('/api/commands/download', '{"game":"cnc4"}', {
    'Content-Type': 'text/plain',
  });
  assert.equal(answer.status, 400);
  assert.match(answer.json.error?.message ?? '', /application\/json/);
  answer = await send('/api/commands/download', '["cnc4"]', json);
  assert.equal(answer.status, 400);
  answer = await send(
    '/api/commands/status',
    JSON.stringify({ pad: 'x'.repeat(100 * 1024) }),
    json,
  );
  assert.equal(answer.status, 413);
  assert.equal(answer.json.error?.code, 'too-large');
  await refused('POST', '/api/commands/nope', {}, 400, 'bad-command');
  const bad = await refused('POST', '/api/commands/download', { game: 5 }, 400, 'bad-command');
  assert.match(bad, /game/);
  await refused('POST', '/api/commands/connect', {}, 400, 'bad-command');
  await refused('POST', '/api/commands/download', { game: 'nope' }, 404, 'unknown-game');
  await refused('GET', '/api/nothing-here', undefined, 404, 'not-found');
  await refused('GET', '/api/commands/status', undefined, 404, 'not-found');
  await refused('DELETE', '/api/settings', undefined, 404, 'not-found');
  await refused('GET', '/api/events', undefined, 400, 'bad-command');
  assert.equal((await call(web.port, 'GET', '/api/status')).status, 200);
});

test('a body streamed past 64 KiB without a length is refused with 413', async () => {
  const answer = await call(web.port, 'POST', '/api/commands/status', {
    body: 'x'.repeat(200 * 1024),
    headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
  });
  assert.equal(answer.status, 413);
  assert.equal(answer.json.error?.code, 'too-large');
});

test('foreign Host and Origin are refused on HTTP and on the WebSocket upgrade', async () => {
  let answer = await call(web.port, 'GET', '/api/status', { headers: { Host: 'evil.example' } });
  assert.equal(answer.status, 421);
  assert.equal(answer.json.error?.code, 'bad-host');
  answer = await call(web.port, 'GET', '/', { headers: { Host: `evil.example:${web.port}` } });
  assert.equal(answer.status, 421);
  for (const method of ['GET', 'POST']) {
    answer = await call(web.port, method, '/api/status', {
      headers: { Origin: 'http://evil.example' },
    });
    assert.equal(answer.status, 403, answer.text);
    assert.equal(answer.json.error?.code, 'bad-origin');
  }
  answer = await call(web.port, 'GET', '/api/status', {
    headers: { Origin: `http://localhost:${web.port}` },
  });
  assert.equal(answer.status, 200);
  await assert.rejects(
    openEvents(web.port, { headers: { Origin: 'http://evil.example' } }),
    /upgrade refused: 403/,
  );
  await assert.rejects(
    openEvents(web.port, { headers: { Host: 'evil.example' } }),
    /upgrade refused: 421/,
  );
  await assert.rejects(openEvents(web.port, { path: '/api/other' }), /upgrade refused: 404/);
});

test('settings: defaults, persisted changes, a refused games folder, kept across a restart', async () => {
  const initial = (await ok('GET', '/api/settings')) as Record<string, unknown>;
  assert.equal(initial.language, 'english');
  assert.equal(initial.games_dir, local.gamesDir);
  assert.equal(typeof initial.free_bytes, 'number');
  assert.equal(initial.encrypt_transfers, false);

  const updated = (await ok('PUT', '/api/settings', { username: 'Zoe', language: 'french' })) as {
    username: string;
  };
  assert.equal(updated.username, 'Zoe');

  const blocker = join(root, 'a-file');
  await writeFile(blocker, 'not a folder');
  const why = await refused(
    'PUT',
    '/api/settings',
    { games_dir: join(blocker, 'games') },
    422,
    'bad-game-dir',
  );
  assert.match(why, /a file is in the way/);
  assert.match(
    await refused('PUT', '/api/settings', { games_dir: 'relative/games' }, 422, 'bad-game-dir'),
    /not an absolute path/,
  );
  await refused('PUT', '/api/settings', { colour: 'red' }, 400, 'bad-command');
  await refused('PUT', '/api/settings', { username: '' }, 400, 'bad-command');
  await refused('PUT', '/api/settings', { encrypt_transfers: 1 }, 400, 'bad-command');
  const encrypted = (await ok('PUT', '/api/settings', { encrypt_transfers: true })) as {
    encrypt_transfers: boolean;
  };
  assert.equal(encrypted.encrypt_transfers, true);
  // The caps (issue 19): PUT /api/limits is set-limits, saved beside the settings.
  const capped = (await ok('PUT', '/api/limits', { upload_mib_s: 8 })) as Record<string, unknown>;
  assert.equal(capped.upload_mib_s, 8);
  assert.deepEqual(((await ok('GET', '/api/status')) as { limits: unknown }).limits, capped);
  await refused('PUT', '/api/limits', { upload_mib_s: -1 }, 400, 'bad-command');
  await refused('PUT', '/api/limits', { encrypt_transfers: true }, 400, 'bad-command');

  const moved = join(root, 'local', 'other-games');
  const after = (await ok('PUT', '/api/settings', { games_dir: moved })) as {
    games_dir: string;
    free_bytes: number;
  };
  assert.equal(after.games_dir, moved);
  assert.equal(local.gamesDir, moved);
  const saved = JSON.parse(
    await readFile(join(root, 'local', 'state', 'settings.json'), 'utf8'),
  ) as Record<string, unknown>;
  assert.deepEqual(saved, {
    username: 'Zoe',
    language: 'french',
    games_dir: moved,
    encrypt_transfers: true,
    max_active_downloads: 2,
    upload_mib_s: 8,
    download_mib_s: null,
  });

  // set-game-dir as a command is remembered too.
  const back = join(root, 'local', 'games');
  await ok('POST', '/api/commands/set-game-dir', { path: back });

  await web.close();
  web = await startWeb();
  assert.deepEqual(
    { ...((await ok('GET', '/api/settings')) as Record<string, unknown>), free_bytes: 0 },
    {
      username: 'Zoe',
      language: 'french',
      games_dir: back,
      free_bytes: 0,
      encrypt_transfers: true,
      max_active_downloads: 2,
    },
  );
});

test('GET /api/log answers the last records of the ring', async () => {
  for (let i = 0; i < 5; i++) ring.write(`${JSON.stringify({ level: 30, msg: `line ${i}` })}\n`);
  const { lines } = (await ok('GET', '/api/log?lines=2')) as { lines: { msg: string }[] };
  assert.deepEqual(
    lines.map((l) => l.msg),
    ['line 3', 'line 4'],
  );
});

test('the built UI: content types, SPA fallback, CSP and nosniff; a plain page when not built', async () => {
  let answer = await call(web.port, 'GET', '/');
  assert.equal(answer.status, 503);
  assert.match(answer.text, /npm run build/);

  const ui = join(root, 'ui');
  await mkdir(join(ui, 'assets'), { recursive: true });
  await writeFile(join(ui, 'index.html'), '<!doctype html><title>ui</title>');
  await writeFile(join(ui, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(ui, 'assets', 'app.css'), 'body{}');
  await writeFile(join(root, 'secret.txt'), 'secret');
  const withUi = await startWeb({ uiDir: ui });
  try {
    answer = await call(withUi.port, 'GET', '/');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(String(answer.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(answer.headers['x-content-type-options'], 'nosniff');
    answer = await call(withUi.port, 'GET', '/assets/app.js');
    assert.equal(answer.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(answer.text, 'console.log(1)');
    answer = await call(withUi.port, 'GET', '/assets/app.css');
    assert.equal(answer.headers['content-type'], 'text/css; charset=utf-8');
    for (const path of ['/games/cnc4', '/..%2fsecret.txt', '/%2e%2e/secret.txt']) {
      answer = await call(withUi.port, 'GET', path);
      assert.equal(answer.status, 200, path);
      assert.equal(answer.text, '<!doctype html><title>ui</title>', path);
    }
    answer = await call(withUi.port, 'POST', '/');
    assert.equal(answer.status, 404);
  } finally {
    await withUi.close();
  }
});

test('bound to 0.0.0.0 the API needs the token, on HTTP and on the WebSocket', async () => {
  const open = await startWeb({ host: '0.0.0.0' });
  try {
    assert.deepEqual([open.tokenRequired, web.tokenRequired], [true, false]);
    let answer = await call(open.port, 'GET', '/api/status');
    assert.equal(answer.status, 401);
    assert.equal(answer.json.error?.code, 'unauthorized');
    answer = await call(open.port, 'GET', '/api/status', {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(answer.status, 200);
    answer = await call(open.port, 'GET', `/api/status?token=${TOKEN}`);
    assert.equal(answer.status, 200);
    // The page itself holds no secret: it loads and then reads ?token= itself.
    assert.equal((await call(open.port, 'GET', '/')).status, 503);
    await assert.rejects(openEvents(open.port), /upgrade refused: 401/);
    const { ws } = await openEvents(open.port, { path: `/api/events?token=${TOKEN}` });
    ws.close();
    // A phone reaches it at the machine's LAN addresses; on loopback, nowhere.
    const phone = (await call(open.port, 'GET', `/api/ui-urls?token=${TOKEN}`)).json.result as {
      loopback: boolean;
      urls: string[];
    };
    assert.equal(phone.loopback, false);
    for (const url of phone.urls) assert.match(url, new RegExp(`^http://[\\d.]+:${open.port}/$`));
    assert.deepEqual(await ok('GET', '/api/ui-urls'), { loopback: true, urls: [] });
  } finally {
    await open.close();
  }
});

test('a taken UI port is replaced by a free one only when allowed', async () => {
  const taken = web.port;
  const options = {
    peer: local,
    host: '127.0.0.1',
    port: taken,
    token: TOKEN,
    log: silentLogger,
  };
  await assert.rejects(startWebServer(options), { code: 'listen-failed' });
  const moved = await startWebServer({ ...options, anyPortIfTaken: true });
  try {
    assert.notEqual(moved.port, taken);
    assert.equal(moved.url, `http://127.0.0.1:${moved.port}/`);
  } finally {
    await moved.close();
  }
});

test('POST /api/commands/shutdown from this machine stops the peer and tells the server', async () => {
  const peer = await startPeer('stopping');
  let told = false;
  const server = await startWebServer({
    peer,
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    log: silentLogger,
    onShutdown: () => {
      told = true;
    },
  });
  try {
    const answer = await call(server.port, 'POST', '/api/commands/shutdown');
    assert.equal(answer.status, 200, answer.text);
    await new Promise((done) => setImmediate(done));
    assert.equal(told, true);
    const refusedNow = await call(server.port, 'POST', '/api/commands/list-games');
    assert.equal(refusedNow.status, 409);
    assert.equal(refusedNow.json.error?.code, 'shutting-down');
  } finally {
    await server.close();
  }
});
