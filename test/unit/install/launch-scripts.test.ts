import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import {
  clearSetupMarker,
  findLaunchScript,
  hasSetupRun,
  launchLanguage,
  markSetupDone,
  planLaunch,
  scriptName,
  type LaunchRequest,
} from '../../../src/install/launch-scripts.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lanspread-scripts-'));
  await mkdir(join(root, 'local'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

for (const [setting, code] of [
  ['english', 'en'],
  ['English', 'en'],
  ['german', 'de'],
  ['Deutsch', 'de'],
  ['french', 'fr'],
  ['spanish', 'es'],
  ['de', 'de'],
  ['pt-BR', 'pt'],
  ['swedish', 'sw'],
  ['x', 'en'],
  ['42', 'en'],
] as const) {
  test(`the language setting ${JSON.stringify(setting)} reaches the scripts as ${code}`, () => {
    assert.equal(launchLanguage(setting), code);
  });
}

test('script names: .cmd on Windows, .sh on Linux and macOS', () => {
  assert.equal(scriptName('start', 'win32'), 'game_start.cmd');
  assert.equal(scriptName('setup', 'linux'), 'game_setup.sh');
  assert.equal(scriptName('server', 'darwin'), 'server_start.sh');
});

test('finds a script file in local/, and only a file', async () => {
  const local = join(root, 'local');
  await writeFile(join(local, 'game_start.sh'), 'true\n');
  await mkdir(join(local, 'server_start.sh'));
  assert.equal(await findLaunchScript(local, 'start', 'linux'), join(local, 'game_start.sh'));
  assert.equal(await findLaunchScript(local, 'start', 'win32'), null);
  assert.equal(await findLaunchScript(local, 'server', 'linux'), null, 'a folder is no script');
  assert.equal(await findLaunchScript(local, 'setup', 'linux'), null);
});

const request = (platform: NodeJS.Platform, role: LaunchRequest['role']): LaunchRequest => ({
  role,
  local: '/games/ggoo/local',
  game: 'ggoo',
  language: 'german',
  username: 'a&b"c $(x)',
  platform,
});

test('elsewhere than Windows sh gets the script and the four arguments as argv', () => {
  const plan = planLaunch('/games/ggoo/local/game_start.sh', request('linux', 'start'));
  assert.deepEqual(plan, {
    script: '/games/ggoo/local/game_start.sh',
    file: 'sh',
    args: ['/games/ggoo/local/game_start.sh', '/games/ggoo/local', 'ggoo', 'de', 'a&b"c $(x)'],
    windowsVerbatimArguments: false,
    cwd: '/games/ggoo/local',
  });
});

test('on Windows cmd.exe gets one verbatim line; the server window stays open', () => {
  const req = { ...request('win32', 'start'), local: 'C:\\g\\ggoo\\local', username: 'Gordon' };
  const start = planLaunch('C:\\g\\ggoo\\local\\game_start.cmd', req);
  assert.equal(start.file, 'cmd.exe');
  assert.equal(start.windowsVerbatimArguments, true);
  assert.equal(start.cwd, 'C:\\g\\ggoo\\local');
  assert.deepEqual(start.args, [
    '/d /v:off /s /c "start "" /wait cmd.exe /d /v:off /s /c ^"^"C:\\g\\ggoo\\local\\game_start.cmd^" ^"C:\\g\\ggoo\\local^" ggoo de ^"Gordon^"^""',
  ]);
  const server = planLaunch('C:\\g\\ggoo\\local\\server_start.cmd', { ...req, role: 'server' });
  assert.match(server.args[0]!, / \/k \^"/);
});

test('the setup marker: absent, written, cleared', async () => {
  assert.equal(await hasSetupRun(root), false);
  await markSetupDone(root);
  assert.equal(await hasSetupRun(root), true);
  await clearSetupMarker(root);
  assert.equal(await hasSetupRun(root), false);
  await clearSetupMarker(root);
});
