import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeStoredRar5, type Rar5SourceEntry } from '../../src/archive/index.js';
import { listGames, type LocalGameRow } from './harness/assertions.js';
import { CATALOG_VERSION, smallGame } from './harness/fixtures.js';
import { scenario } from './harness/lab.js';
import type { PeerProcess } from './harness/peer-process.js';
import type { LimitsView } from '../../src/peer/index.js';

/**
 * Each script appends a block to record.txt beside it: its role, its working folder and one line
 * per argument (a name holding a newline is refused before anything runs). The start and server
 * scripts then wait until a `release` file exists, so the test sees them running.
 */
function recorder(role: string): string {
  return [
    'here=$(dirname "$0")',
    `{ printf '%s\\n' "role=${role}" "pwd=$PWD" "argc=$#"; for a in "$@"; do printf 'arg=%s\\n' "$a"; done; } >> "$here/record.txt"`,
    role === 'setup' ? '' : 'while [ ! -e "$here/release" ]; do sleep 0.05; done',
    '',
  ].join('\n');
}

interface Run {
  role: string;
  pwd: string;
  args: string[];
}

async function readRuns(local: string): Promise<Run[]> {
  const runs: Run[] = [];
  for (const line of (await readFile(join(local, 'record.txt'), 'utf8')).split('\n')) {
    const [key, ...rest] = line.split('=');
    const value = rest.join('=');
    if (key === 'role') runs.push({ role: value, pwd: '', args: [] });
    else if (key === 'pwd') runs.at(-1)!.pwd = value;
    else if (key === 'arg') runs.at(-1)!.args.push(value);
  }
  return runs;
}

async function row(peer: PeerProcess, id: string): Promise<LocalGameRow> {
  const found = (await listGames(peer)).local.find((g) => g.id === id);
  assert.ok(found, `${id} is listed`);
  return found;
}

const HOSTILE = 'a&b"c|d;$(touch pwned) `touch pwned2` %PATH% ^(x)<y>';

scenario('S63', 'Play starts the game: setup once, start every Play, server', async (lab) => {
  const games = lab.gamesDir('host');
  const root = join(games, 'ggoo');
  await mkdir(root, { recursive: true });
  const mtime = new Date('2025-01-01T00:00:00Z');
  const script = (name: string, role: string): Rar5SourceEntry => ({
    name,
    kind: 'file',
    mtime,
    source: { bytes: Buffer.from(recorder(role)) },
  });
  await writeStoredRar5(join(root, 'ggoo.eti'), [
    script('game_setup.sh', 'setup'),
    script('game_start.sh', 'start'),
    script('server_start.sh', 'server'),
    { name: 'data/readme.txt', kind: 'file', mtime, source: { bytes: Buffer.from('ggoo\n') } },
  ]);
  await writeFile(join(root, 'version.ini'), `${CATALOG_VERSION}\n`);
  await lab.games('host', [{ ...smallGame('bf1942'), installed: true }]);
  const host = await lab.start('host');
  await host.cmd('install', { game: 'ggoo' });
  const local = join(root, 'local');
  try {
    return await playAndServe(host, games, lab.root);
  } finally {
    // The scripts outlive the peer (detached): let any still waiting end.
    await writeFile(join(local, 'release'), '').catch(() => undefined);
  }
});

async function playAndServe(host: PeerProcess, games: string, labRoot: string): Promise<string> {
  const root = join(games, 'ggoo');
  const local = join(root, 'local');
  const marker = join(root, 'setup_done');
  assert.equal(existsSync(marker), false, 'no setup marker after install');

  // First Play: setup runs (awaited), then the start script, which keeps running.
  const first = await host.cmd<Record<string, unknown>>('play', {
    game: 'ggoo',
    username: HOSTILE,
    language: 'english',
  });
  assert.equal(first.launched, true);
  assert.equal(first.launcher, 'game_start.sh');
  assert.equal(first.setup_exit_code, 0);
  assert.equal(first.launch_error, null);
  assert.equal(first.already_applied, false, 'the S38 stamping fields are kept');
  assert.ok(existsSync(marker), 'setup_done written after the setup ran');
  const started = await host.waitEvent((e) => e.event === 'game-started' && e.kind === 'game');
  assert.equal(started.pid, first.pid);
  assert.equal((await row(host, 'ggoo')).running, true, 'the row says running');
  // Playing mode (issue 19): uploads drop to the low cap while the game runs.
  const playing = (await host.cmd<{ limits: LimitsView }>('status')).limits;
  assert.equal(playing.playing, true);
  assert.deepEqual(playing.playing_games, ['ggoo']);
  assert.equal(playing.effective_upload_mib_s, playing.playing_upload_mib_s);
  const again = await host.request('play', { game: 'ggoo', username: 'x', language: 'english' });
  assert.equal(again.error?.code, 'already-running');
  const uninstall = await host.request('uninstall', { game: 'ggoo' });
  assert.equal(uninstall.error?.code, 'game-running');
  assert.ok(existsSync(local), 'uninstall refused: local/ is still there');

  await writeFile(join(local, 'release'), '');
  const exited = await host.waitEvent((e) => e.event === 'game-exited' && e.kind === 'game');
  assert.equal(exited.code, 0);
  assert.equal((await row(host, 'ggoo')).running, false, 'not running after the exit');
  const done = (await host.cmd<{ limits: LimitsView }>('status')).limits;
  assert.equal(done.playing, false, 'playing mode ends with the game');
  assert.equal(done.effective_upload_mib_s, null);

  // Second Play (the release file lets the script end at once): no setup this time.
  const from = host.events.length;
  const second = await host.cmd<Record<string, unknown>>('play', {
    game: 'ggoo',
    username: 'Alyx',
    language: 'german',
  });
  assert.equal(second.setup_exit_code, null, 'setup does not run twice');
  await host.waitEvent((e) => e.event === 'game-exited' && e.kind === 'game', 15_000, from);

  const server = await host.cmd<Record<string, unknown>>('start-server', {
    game: 'ggoo',
    username: 'Alyx',
    language: 'german',
  });
  assert.equal(server.launcher, 'server_start.sh');
  await host.waitEvent((e) => e.event === 'game-exited' && e.kind === 'server', 15_000, from);

  const runs = await readRuns(local);
  assert.deepEqual(
    runs.map((r) => r.role),
    ['setup', 'start', 'start', 'server'],
  );
  const expected = (name: string, language: string): string[] => [local, 'ggoo', language, name];
  assert.deepEqual(runs[0]!.args, expected(HOSTILE, 'en'), 'setup gets the same arguments');
  assert.deepEqual(runs[1]!.args, expected(HOSTILE, 'en'), 'the hostile name is one argument');
  assert.deepEqual(runs[2]!.args, expected('Alyx', 'de'));
  assert.deepEqual(runs[3]!.args, expected('Alyx', 'de'));
  for (const run of runs) assert.equal(run.pwd, local, 'scripts run in local/');
  for (const dir of [local, root, games, labRoot, process.cwd()]) {
    assert.equal(existsSync(join(dir, 'pwned')), false, `nothing ran: no pwned in ${dir}`);
    assert.equal(existsSync(join(dir, 'pwned2')), false, `nothing ran: no pwned2 in ${dir}`);
  }

  // A reinstall clears the setup marker, so the fresh files are set up again.
  await host.cmd('install', { game: 'ggoo' });
  assert.equal(existsSync(marker), false, 'reinstall cleared setup_done');

  // A game without launch scripts: stamped, and told plainly that nothing was started.
  const bare = await host.cmd<Record<string, unknown>>('play', {
    game: 'bf1942',
    username: 'Gordon',
    language: 'english',
  });
  assert.equal(bare.launched, false);
  const launchError = bare.launch_error as { code: string; message: string };
  assert.equal(launchError.code, 'no-launcher');
  assert.match(launchError.message, /no game_start\.sh in .*bf1942/);
  assert.ok(existsSync(join(games, 'bf1942', 'launch_settings_applied')), 'still stamped');
  const noServer = await host.request('start-server', {
    game: 'bf1942',
    username: 'Gordon',
    language: 'english',
  });
  assert.equal(noServer.error?.code, 'no-launcher');
  assert.equal((await row(host, 'bf1942')).running, false);
  return `setup ran once (setup_done, cleared by a reinstall), start on both Plays with [local, id, en|de, name], the server once; a hostile name arrived as one argument and ran nothing; running while the script waited, game-exited code 0; second Play refused already-running, uninstall game-running; bf1942 without scripts: stamped, launched=false, ${launchError.message}`;
}
