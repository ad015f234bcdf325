import assert from 'node:assert/strict';
import { ALPHA, CATALOG_VERSION } from './harness/fixtures.js';
import { listGames } from './harness/assertions.js';
import { scenario } from './harness/lab.js';

scenario('S1', 'startup scan', async (lab) => {
  await lab.games('alpha', ALPHA);
  const alpha = await lab.start('alpha');
  const names = alpha.events.map((e) => e.event);
  assert.deepEqual(names.slice(0, 3), ['cli-started', 'local-library-changed', 'local-peer-ready']);
  const { local, remote } = await listGames(alpha);
  assert.deepEqual(
    local.map((g) => g.id),
    ['alienswarm', 'bf1942', 'ggoo'],
  );
  for (const game of local) {
    assert.equal(game.downloaded, true, game.id);
    assert.equal(game.installed, false, game.id);
    assert.equal(game.availability, 'Ready', game.id);
    assert.equal(game.eti_game_version, CATALOG_VERSION);
    assert.ok(game.size > 0);
  }
  assert.deepEqual(remote, []);
  return `events ${names.slice(0, 3).join(',')}; ${local.map((g) => `${g.id}:${g.availability}`).join(' ')}`;
});
