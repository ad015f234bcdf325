import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFixtureGame } from '../support/fixture-games.js';
import { ALPHA } from './harness/fixtures.js';
import { link, listGames, remoteCounts } from './harness/assertions.js';
import { scenario } from './harness/lab.js';

scenario(
  'SETDIR',
  'set-game-dir rescans the new folder and peers get the new library live',
  async (lab) => {
    const other = join(lab.root, 'other-games');
    await mkdir(other, { recursive: true });
    for (const spec of ALPHA) await writeFixtureGame(other, spec);
    const alpha = await lab.start('alpha');
    const observer = await lab.start('observer');
    await link(observer, alpha);
    assert.deepEqual((await listGames(observer)).remote, []);
    const { games } = await alpha.cmd<{ games: { id: string; availability: string }[] }>(
      'set-game-dir',
      { path: other },
    );
    assert.deepEqual(
      games.map((g) => `${g.id}:${g.availability}`),
      ['alienswarm:Ready', 'bf1942:Ready', 'ggoo:Ready'],
    );
    await observer.waitEvent(
      (e) =>
        e.event === 'remote-library-changed' &&
        e.peer_id === alpha.peerId &&
        (e.games as unknown[]).length === 3,
    );
    const rows = remoteCounts((await listGames(observer)).remote);
    assert.equal(rows, 'alienswarm=1 bf1942=1 ggoo=1');
    const bad = await alpha.request('set-game-dir', { path: '/proc/version/not-a-dir' });
    assert.equal(bad.error?.code, 'bad-game-dir');
    assert.equal(observer.events.filter((e) => e.event === 'peer-lost').length, 0);
    return `set-game-dir -> ${games.length} Ready rows; observer saw ${rows} by delta, no reconnect; an unusable folder -> ${bad.error?.code}`;
  },
);
