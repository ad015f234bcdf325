import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ALPHA } from './harness/fixtures.js';
import { CLI } from './harness/peer-process.js';
import { scenario } from './harness/lab.js';

scenario('JSONL', 'garbage lines answer bad-command and the peer keeps working', async (lab) => {
  await lab.games('alpha', ALPHA);
  const alpha = await lab.start('alpha');
  const garbage = [
    'not json',
    '[1,2,3]',
    '42',
    '{"id": 7}',
    '{"id": 8, "cmd": "fly"}',
    '{"id": 9, "cmd": "connect"}',
    '{"id": {"x":1}, "cmd": "status"}',
    '\u0000\u0001\u0002',
    '{"id": 10, "cmd": "wait-peers", "count": -1}',
  ];
  const seen = alpha.events.length;
  for (const line of garbage) alpha.sendRaw(line);
  const status = await alpha.cmd<{ peer_id: string }>('status');
  assert.equal(status.peer_id, alpha.peerId);
  const answers = alpha.events.slice(seen).filter((e) => e.event === '__unmatched-answer__');
  // Answers whose id could not be read carry id null; answers with an id carry it back.
  const codes = answers.map((a) => (a.error as { code: string }).code);
  assert.equal(codes.length, garbage.length, `one answer per line, got ${JSON.stringify(answers)}`);
  assert.ok(codes.every((c) => c === 'bad-command'));
  assert.deepEqual(
    answers.map((a) => a.id),
    [null, null, null, 7, 8, 9, null, null, 10],
  );
  const absent = await alpha.request('install', { game: 'cod5' });
  assert.equal(absent.error?.code, 'not-downloaded');
  return `${garbage.length} garbage lines -> ${garbage.length} bad-command answers; status still answers; install of a game not here -> not-downloaded`;
});

scenario('ARGS', 'bad arguments exit 2 before anything is created', async (lab) => {
  const games = join(lab.root, 'never-games');
  const state = join(lab.root, 'never-state');
  const cases = [
    [],
    ['peer'],
    ['peer', '--games', games],
    ['peer', '--games', games, '--state', state, '--listen', 'nope'],
    ['peer', '--games', games, '--state', state, '--chunk-size', '12'],
    ['peer', '--games', games, '--state', state, '--bogus'],
    ['fly'],
  ];
  for (const args of cases) {
    const res = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input: '' });
    assert.equal(res.status, 2, `${args.join(' ')}: exit ${res.status}`);
    assert.equal(res.stdout.includes('{'), false, 'no JSON on stdout');
  }
  assert.equal(existsSync(games), false);
  assert.equal(existsSync(state), false);
  const missing = spawnSync(
    process.execPath,
    [
      CLI,
      'peer',
      '--games',
      games,
      '--state',
      state,
      '--catalog',
      join(lab.root, 'nope.db'),
      '--no-mdns',
    ],
    { encoding: 'utf8', input: '' },
  );
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /catalog-missing/);
  return `${cases.length} bad argument lists -> exit 2, nothing created; missing catalog -> exit 1 "${missing.stderr.trim().slice(0, 80)}"`;
});
