import assert from 'node:assert/strict';
import { ALPHA } from './harness/fixtures.js';
import { download, link, listPeers } from './harness/assertions.js';
import { scenario } from './harness/lab.js';
import { assertSameRoot } from './harness/manifests.js';

scenario(
  'S29',
  'empty-library peer participates and becomes a source (with S21 add propagation)',
  async (lab) => {
    await lab.games('alpha', ALPHA);
    const alpha = await lab.start('alpha');
    const empty = await lab.start('empty');
    const observer = await lab.start('observer');
    await link(observer, empty);
    const before = (await listPeers(observer))[0]!;
    assert.equal(before.games.length, 0);
    await link(empty, alpha);
    const { answer } = await download(empty, 'alienswarm');
    assert.equal(answer.ok, true, JSON.stringify(answer.error));
    // The observer learns of the new game by a delta, without reconnecting.
    await observer.waitEvent(
      (e) =>
        e.event === 'remote-library-changed' &&
        e.peer_id === empty.peerId &&
        (e.games as { id: string }[]).some((g) => g.id === 'alienswarm'),
    );
    const after = (await listPeers(observer)).find((p) => p.peer_id === empty.peerId)!;
    assert.deepEqual(
      after.games.map((g) => [g.id, g.availability]),
      [['alienswarm', 'Ready']],
    );
    assert.equal(observer.events.filter((e) => e.event === 'peer-lost').length, 0);
    return `observer saw empty peer with 0 games, then alienswarm Ready after its download, with no reconnect`;
  },
);

scenario('S31', 'bootstrapped peer becomes a source in the same session', async (lab) => {
  await lab.games('original', ALPHA);
  const original = await lab.start('original');
  const boot = await lab.start('boot');
  await link(boot, original);
  assert.equal((await download(boot, 'ggoo')).answer.ok, true);
  await original.shutdown();
  const fresh = await lab.start('fresh');
  await link(fresh, boot);
  const { answer, events } = await download(fresh, 'ggoo');
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  assert.deepEqual(events.find((e) => e.event === 'got-game-files')?.peers, [boot.addr]);
  await assertSameRoot(lab, 'original', 'fresh', 'ggoo');
  return `original shut down; fresh peer downloaded ggoo from the bootstrapped peer; files match the original`;
});
