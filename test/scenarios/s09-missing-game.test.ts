import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ALPHA } from './harness/fixtures.js';
import { link } from './harness/assertions.js';
import { scenario } from './harness/lab.js';

scenario('S9', 'missing game', async (lab) => {
  await lab.games('alpha', ALPHA);
  const alpha = await lab.start('alpha');
  const client = await lab.start('client');
  await link(client, alpha);
  // cnctw is in the catalog, but no connected peer has it.
  const answer = await client.request('download', { game: 'cnctw' });
  assert.equal(answer.ok, false);
  assert.equal(answer.error?.code, 'no-peers-have-game');
  await client.waitEvent((e) => e.event === 'no-peers-have-game' && e.game === 'cnctw');
  const unknown = await client.request('download', { game: 'does-not-exist' });
  assert.equal(unknown.error?.code, 'unknown-game');
  const games = lab.gamesDir('client');
  assert.equal(existsSync(join(games, 'cnctw')), false);
  assert.equal(existsSync(join(games, 'does-not-exist')), false);
  assert.deepEqual(await readdir(games), []);
  return `download cnctw -> ${answer.error?.code} + event no-peers-have-game; download does-not-exist -> ${unknown.error?.code}; client games folder empty`;
});
