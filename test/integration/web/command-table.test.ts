import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { answerJsonl } from '../../../src/cli/jsonl-harness.js';
import { silentLogger } from '../../../src/logger.js';
import { PEER_COMMAND_NAMES, Peer, type PeerCommandName } from '../../../src/peer/index.js';

import { startWebServer, type WebServer } from '../../../src/web/index.js';
import { httpStatusOf, type ErrorCode } from '../../../src/errors.js';
import { writeFixtureGame } from '../../support/fixture-games.js';
import { smallGame } from '../../scenarios/harness/fixtures.js';
import { call } from './web-client.js';

/**
 * One peer behind both adapters: every command goes once through a JSONL line and once through
 * `POST /api/commands/CMD`, and the two answers must be the same.
 */
let root: string;
let source: Peer;
let local: Peer;
let web: WebServer;
const jsonlIn = new PassThrough();
const answers = new Map<number, Answer>();
const waiting = new Map<number, (answer: Answer) => void>();
let nextId = 1;
let jsonlDone: Promise<void>;

interface Answer {
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
}

function startPeer(name: string): Promise<Peer> {
  return Peer.start({
    gamesDir: join(root, name, 'games'),
    stateDir: join(root, name, 'state'),
    name,
    listenHost: '127.0.0.1',
    listenPort: 0,
    log: silentLogger,
    rescanIntervalMs: 0,
  });
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lanspread-table-'));
  for (const id of ['alienswarm', 'bf1942'])
    await writeFixtureGame(join(root, 'source', 'games'), smallGame(id));
  await writeFixtureGame(join(root, 'local', 'games'), smallGame('alienswarm'));
  source = await startPeer('source');
  local = await startPeer('local');
  web = await startWebServer({
    peer: local,
    host: '127.0.0.1',
    port: 0,
    token: 'd'.repeat(64),
    uiDir: join(root, 'no-ui'),
    log: silentLogger,
  });
  jsonlDone = answerJsonl(local, {
    input: jsonlIn,
    out: (value) => {
      const { id, ...answer } = value as Answer & { id?: unknown };
      if (typeof id !== 'number') return;
      answers.set(id, answer);
      waiting.get(id)?.(answer);
    },
    log: silentLogger,
  });
});

after(async () => {
  jsonlIn.end();
  await jsonlDone;
  await web.close();
  await local.shutdown();
  await source.shutdown();
  await rm(root, { recursive: true, force: true });
});

function overJsonl(cmd: string, args: Record<string, unknown>): Promise<Answer> {
  const id = nextId++;
  const answered = new Promise<Answer>((resolve) => waiting.set(id, resolve));
  jsonlIn.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
  return answered;
}

async function overHttp(cmd: string, args: Record<string, unknown>): Promise<Answer> {
  const answer = await call(web.port, 'POST', `/api/commands/${cmd}`, { body: args });
  const expected = answer.json.ok ? 200 : httpStatusOf(answer.json.error?.code as ErrorCode);
  assert.equal(answer.status, expected, `${cmd}: HTTP status of ${answer.text}`);
  return answer.json;
}

/** Figures that move between two calls on their own. */
function steady(answer: Answer): Answer {
  return JSON.parse(
    JSON.stringify(answer, (key, value: unknown) =>
      key === 'last_seen_ms' || key === 'free_bytes' ? typeof value : value,
    ),
  ) as Answer;
}

/** Each command with arguments that answer the same however often they run; the expected outcome. */
const TABLE: [PeerCommandName | 'fly', () => Record<string, unknown>, string][] = [
  ['connect', () => ({ addr: source.addr }), 'ok'],
  ['wait-peers', () => ({ count: 1, timeout_ms: 5_000 }), 'ok'],
  ['status', () => ({}), 'ok'],
  ['list-peers', () => ({}), 'ok'],
  ['list-games', () => ({}), 'ok'],
  ['catalog', () => ({}), 'ok'],
  ['game-files', () => ({ game: 'alienswarm' }), 'ok'],
  ['get-settings', () => ({}), 'ok'],
  ['set-settings', () => ({ username: 'Ann', language: 'german' }), 'ok'],
  ['set-settings', () => ({ games_dir: 'relative/games' }), 'bad-game-dir'],
  ['set-settings', () => ({ colour: 'red' }), 'bad-command'],
  ['set-settings', () => ({ encrypt_transfers: true }), 'ok'],
  ['set-settings', () => ({ encrypt_transfers: 'yes' }), 'bad-command'],
  ['set-settings', () => ({ max_active_downloads: 3 }), 'ok'],
  ['set-settings', () => ({ max_active_downloads: 17 }), 'bad-command'],
  ['set-limits', () => ({ upload_mib_s: 8, download_mib_s: null, playing: true }), 'ok'],
  ['set-limits', () => ({ upload_mib_s: 0 }), 'bad-command'],
  ['set-limits', () => ({ upload_mib_s: 'off' }), 'bad-command'],
  ['set-limits', () => ({ upload: 8 }), 'bad-command'],
  ['set-limits', () => ({ upload_mib_s: null, playing: false }), 'ok'],
  ['set-game-dir', () => ({ path: local.gamesDir }), 'ok'],
  ['set-game-dir', () => ({ path: 'games' }), 'bad-game-dir'],
  ['set-game-dir', () => ({ path: join(root, 'local', 'state', 'games') }), 'bad-game-dir'],
  ['download', () => ({ game: 'alienswarm', install: false }), 'ok'],
  ['download', () => ({ game: 'no-such-game' }), 'unknown-game'],
  ['install', () => ({ game: 'bf1942' }), 'not-downloaded'],
  ['uninstall', () => ({ game: 'alienswarm' }), 'not-installed'],
  ['stream-install', () => ({ game: 'no-such-game' }), 'unknown-game'],
  ['cancel-download', () => ({ game: 'alienswarm' }), 'nothing-to-cancel'],
  ['pause-download', () => ({ game: 'alienswarm' }), 'not-queued'],
  ['resume-download', () => ({ game: 'alienswarm' }), 'not-queued'],
  ['move-download', () => ({ game: 'alienswarm', position: 1 }), 'not-queued'],
  ['move-download', () => ({ game: 'alienswarm', position: 0 }), 'bad-command'],
  ['play', () => ({ game: 'alienswarm' }), 'not-installed'],
  ['start-server', () => ({ game: 'alienswarm', username: 'Ann' }), 'not-installed'],
  ['update', () => ({ game: 'alienswarm' }), 'already-up-to-date'],
  ['remove-files', () => ({ game: 'bf1942' }), 'not-downloaded'],
  ['connect', () => ({ addr: 5 }), 'bad-command'],
  ['fly', () => ({}), 'bad-command'],
  ['shutdown', () => ({}), 'ok'],
];

test('the table names every command of the contract', () => {
  const covered = new Set(TABLE.map(([cmd]) => cmd));
  assert.deepEqual(
    PEER_COMMAND_NAMES.filter((cmd) => !covered.has(cmd)),
    [],
  );
});

test('the GET routes answer what their commands answer', async () => {
  for (const [path, cmd, args] of [
    ['/api/status', 'status', {}],
    ['/api/games', 'list-games', {}],
    ['/api/peers', 'list-peers', {}],
    ['/api/catalog', 'catalog', {}],
    ['/api/settings', 'get-settings', {}],
    ['/api/games/alienswarm/files', 'game-files', { game: 'alienswarm' }],
    ['/api/games/no-such-game/files', 'game-files', { game: 'no-such-game' }],
  ] as const) {
    const jsonl = await overJsonl(cmd, args);
    const http = await call(web.port, 'GET', path);
    assert.deepEqual(steady(http.json), steady(jsonl), path);
  }
});

test('every command answers the same over JSONL and over HTTP', async () => {
  for (const [cmd, args, outcome] of TABLE) {
    const jsonl = await overJsonl(cmd, args());
    const http = await overHttp(cmd, args());
    assert.deepEqual(steady(http), steady(jsonl), `${cmd} ${JSON.stringify(args())}`);
    assert.equal(jsonl.ok ? 'ok' : jsonl.error?.code, outcome, `${cmd}: ${JSON.stringify(jsonl)}`);
  }
});
