import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { bigGame, CATALOG_VERSION, SMALL_CHUNKS } from './harness/fixtures.js';
import { chunksAfter, link, listGames } from './harness/assertions.js';
import { scenario } from './harness/lab.js';
import { assertInstalledFromArchives, assertSameRoot } from './harness/manifests.js';
import {
  assertNoLeftovers,
  assertOldIntact,
  oldClientNewSource,
  oldGame,
  OLD_VERSION,
  snapshotRoot,
} from './harness/old-install.js';
import type { Json, PeerProcess } from './harness/peer-process.js';

const GAME = 'cnctw';
const MIB = 1024 * 1024;

function update(peer: PeerProcess): { from: number; answer: ReturnType<PeerProcess['request']> } {
  const from = peer.events.length;
  return { from, answer: peer.request('update', { game: GAME }, 120_000) };
}

scenario(
  'S59',
  'update replaces the old root only once the new install is in place',
  async (lab) => {
    const { client, before } = await oldClientNewSource(lab, GAME);
    const root = join(lab.gamesDir('client'), GAME);
    const staging = join(lab.gamesDir('client'), '.lanspread', 'update', GAME);
    const { from, answer } = update(client);
    // While the new root installs beside it, the old root and its install are untouched.
    await client.waitEvent((e) => e.event === 'install-begin', 60_000, from);
    const during = await snapshotRoot(lab, 'client', GAME);
    assert.deepEqual(during, before, 'the old root changed before the new install was in place');
    assert.ok(existsSync(join(staging, 'version.ini')), 'the new root is complete beside the old');
    const done = await answer;
    assert.equal(done.ok, true, JSON.stringify(done.error));
    assert.deepEqual(done.result, { game: GAME, from: OLD_VERSION, to: CATALOG_VERSION });
    const events = client.events.slice(from).filter((e) => e.game === GAME);
    const order = ['download-finished', 'install-begin', 'install-finished', 'update-finished'].map(
      (name) => events.findIndex((e) => e.event === name),
    );
    assert.ok(
      order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!)),
      `events in order: ${order.join(',')}`,
    );
    const files = await assertSameRoot(lab, 'source', 'client', GAME);
    const installed = await assertInstalledFromArchives(lab, 'client', GAME);
    assert.equal(existsSync(join(root, 'old-only.txt')), false, 'the old files are gone');
    await assertNoLeftovers(lab, 'client', GAME);
    assert.equal(existsSync(join(lab.gamesDir('client'), '.lanspread')), false, 'no staging left');
    const row = (await listGames(client)).local.find((g) => g.id === GAME);
    assert.equal(row?.availability, 'Ready');
    assert.equal(row.installed, true);
    const again = await client.request('update', { game: GAME });
    assert.equal(again.error?.code, 'already-up-to-date');
    return `update ${OLD_VERSION} -> ${CATALOG_VERSION}: old root unchanged at install-begin while the new one stood complete beside it; events download-finished < install-begin < install-finished < update-finished; ${files} root files match the source, ${installed} installed files match bsdtar, old-only file gone, no staging left; a second update answers already-up-to-date`;
  },
);

scenario('S59-FAIL', 'an update whose source dies leaves the old install playable', async (lab) => {
  const { source, client, before } = await oldClientNewSource(lab, GAME, 192);
  const { from, answer } = update(client);
  await chunksAfter(client, from, 10);
  source.kill('SIGKILL');
  const failed = await answer;
  assert.equal(failed.ok, false);
  const code = failed.error?.code;
  assert.ok(code === 'no-sources-left' || code === 'download-failed', `answer ${code}`);
  assert.ok(client.events.slice(from).some((e) => e.event === 'download-failed'));
  await assertOldIntact(lab, client, GAME, before);
  const staging = join(lab.gamesDir('client'), '.lanspread', 'update', GAME);
  const resume = existsSync(join(staging, '.lanspread', 'download.json'));
  assert.ok(resume, 'the unfinished download stays as resume data');

  // The source comes back; the update resumes from what was verified and succeeds.
  await source.exited;
  const back = await lab.start('source', { extraArgs: SMALL_CHUNKS });
  await link(client, back);
  const second = update(client);
  const ok = await second.answer;
  assert.equal(ok.ok, true, JSON.stringify(ok.error));
  const fetched = client.events
    .slice(second.from)
    .filter((e) => e.event === 'download-chunk-finished')
    .reduce((sum, e) => sum + Number(e.length), 0);
  assert.ok(fetched < 192 * MIB, `the retry fetched ${fetched} bytes, not everything`);
  await assertSameRoot(lab, 'source', 'client', GAME);
  await assertInstalledFromArchives(lab, 'client', GAME);
  return `source killed after 10 chunks -> answer ${code}, old root and local/ byte-identical and play works, staging kept with its journal; after the source's restart the update resumed (${(fetched / MIB).toFixed(0)} of 192 MiB fetched) and matches`;
});

scenario('S59-CANCEL', 'a cancelled update leaves the old install playable', async (lab) => {
  const { client, before } = await oldClientNewSource(lab, GAME, 192);
  const { from, answer } = update(client);
  await chunksAfter(client, from, 10);
  const busy = await client.request('remove-files', { game: GAME });
  assert.equal(busy.error?.code, 'operation-in-progress', 'remove-files waits for the update');
  const status = await client.cmd<{ active_operations: { game: string; kind: string }[] }>(
    'status',
  );
  assert.deepEqual(status.active_operations, [{ game: GAME, kind: 'update' }]);
  const cancel = await client.request('cancel-download', { game: GAME });
  assert.equal(cancel.ok, true, JSON.stringify(cancel.error));
  const cancelled = await answer;
  assert.equal(cancelled.error?.code, 'cancelled');
  const events = client.events.slice(from);
  assert.ok(events.some((e) => e.event === 'download-cancelled'));
  assert.equal(
    events.some((e) => e.event === 'update-finished'),
    false,
  );
  await assertOldIntact(lab, client, GAME, before);
  return `cancel after 10 chunks -> answer cancelled with download-cancelled; remove-files meanwhile answered operation-in-progress; old root and local/ byte-identical, play works`;
});

scenario('S59-REFUSE', 'update refusals and remove-files', async (lab) => {
  await lab.games('source', [bigGame(GAME, 8), bigGame('bf1942', 8)]);
  await lab.games('client', [oldGame(GAME, 4), bigGame('bf1942', 8)]);
  const source = await lab.start('source', { extraArgs: SMALL_CHUNKS });
  const client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
  const code = async (game: string): Promise<string | undefined> =>
    (await client.request('update', { game })).error?.code;
  assert.equal(await code('alienswarm'), 'not-downloaded');
  assert.equal(await code('bf1942'), 'already-up-to-date');
  assert.equal(await code(GAME), 'no-peers-have-game', 'no connected source');
  assert.equal(await code('nope'), 'unknown-game');

  await link(client, source);
  await source.waitEvent(
    (e) =>
      e.event === 'remote-library-changed' &&
      Array.isArray(e.games) &&
      e.games.some((g) => (g as Json).id === 'bf1942'),
  );
  const from = source.events.length;
  const removed = await client.request('remove-files', { game: 'bf1942' });
  assert.deepEqual(removed, { id: removed.id, ok: true, result: { game: 'bf1942' } });
  assert.equal(existsSync(join(lab.gamesDir('client'), 'bf1942')), false);
  await source.waitEvent(
    (e) =>
      e.event === 'remote-library-changed' &&
      e.peer_id === client.peerId &&
      Array.isArray(e.games) &&
      !e.games.some((g) => (g as Json).id === 'bf1942'),
    10_000,
    from,
  );
  assert.equal(
    (await client.request('remove-files', { game: 'bf1942' })).error?.code,
    'not-downloaded',
  );
  assert.deepEqual(await readdir(lab.gamesDir('client')), [GAME]);

  // An old root that was never installed is updated without an install.
  const from2 = client.events.length;
  const updated = await client.request('update', { game: GAME }, 60_000);
  assert.equal(updated.ok, true, JSON.stringify(updated.error));
  const names = client.events.slice(from2).map((e) => e.event);
  assert.equal(names.includes('install-begin'), false, 'nothing to reinstall');
  assert.ok(names.includes('update-finished'));
  await assertSameRoot(lab, 'source', 'client', GAME);
  const row = (await listGames(client)).local.find((g) => g.id === GAME);
  assert.deepEqual([row?.availability, row?.installed], ['Ready', false]);
  assert.deepEqual(await readdir(lab.gamesDir('client')), [GAME], 'no staging left');
  return 'update answers not-downloaded, already-up-to-date, no-peers-have-game, unknown-game; remove-files deleted the root and the source saw it leave the library; a second remove-files answers not-downloaded; an uninstalled old root updates without an install to a Ready, uninstalled root matching the source';
});
