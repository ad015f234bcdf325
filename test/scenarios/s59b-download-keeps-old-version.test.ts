/** Issue 16: a download over a root at an older version keeps it until the new one commits. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOG_VERSION, SMALL_CHUNKS } from './harness/fixtures.js';
import { chunksAfter, link, listGames } from './harness/assertions.js';
import { scenario } from './harness/lab.js';
import { assertInstalledFromArchives, assertSameRoot } from './harness/manifests.js';
import { assertOldIntact, oldClientNewSource, OLD_VERSION } from './harness/old-install.js';
import type { PeerProcess } from './harness/peer-process.js';

const GAME = 'cnctw';

/** The client's row of the game: a complete root at the old version, installed, nothing running. */
async function oldRow(client: PeerProcess): Promise<string> {
  const row = (await listGames(client)).local.find((g) => g.id === GAME);
  // An installed root behind the catalog is LocalOnly: played here, not served.
  assert.deepEqual(
    [row?.availability, row?.eti_game_version, row?.downloaded, row?.installed],
    ['LocalOnly', OLD_VERSION, true, true],
  );
  return `${String(row?.availability)} at ${String(row?.eti_game_version)}`;
}

scenario(
  'S59B-FAIL',
  'a download over an older root whose source dies keeps the old version',
  async (lab) => {
    const { source, client, before } = await oldClientNewSource(lab, GAME, 192);
    const from = client.events.length;
    const answer = client.request('download', { game: GAME, install: false }, 120_000);
    await chunksAfter(client, from, 10);
    // Until the new root commits, the old one keeps its version.ini.
    assert.equal(existsSync(join(lab.gamesDir('client'), GAME, 'version.ini')), true);
    source.kill('SIGKILL');
    const failed = await answer;
    const code = failed.error?.code;
    assert.ok(code === 'no-sources-left' || code === 'download-failed', `answer ${code}`);
    await assertOldIntact(lab, client, GAME, before);
    const kept = await oldRow(client);

    // The source comes back: the same download resumes beside the old root and replaces it.
    await source.exited;
    const back = await lab.start('source', { extraArgs: SMALL_CHUNKS });
    await link(client, back);
    const second = client.events.length;
    const done = await client.request('download', { game: GAME, install: false }, 120_000);
    assert.deepEqual(done, { id: done.id, ok: true, result: { game: GAME } });
    const names = client.events.slice(second).map((e) => e.event);
    assert.ok(names.includes('install-finished'), 'the old root was installed: so is the new');
    const files = await assertSameRoot(lab, 'source', 'client', GAME);
    const installed = await assertInstalledFromArchives(lab, 'client', GAME);
    assert.equal(existsSync(join(lab.gamesDir('client'), GAME, 'old-only.txt')), false);
    assert.equal(existsSync(join(lab.gamesDir('client'), '.lanspread')), false, 'no staging left');
    const row = (await listGames(client)).local.find((g) => g.id === GAME);
    assert.deepEqual(
      [row?.availability, row?.eti_game_version, row?.installed],
      ['Ready', CATALOG_VERSION, true],
    );
    return `source killed after 10 chunks -> answer ${code}; old root and local/ byte-identical, ${kept}, play works; after the source's restart the download replaced it: ${files} root files match the source, ${installed} installed files, Ready at ${CATALOG_VERSION}, no staging left`;
  },
);

scenario(
  'S59B-CANCEL',
  'a cancelled download over an older root keeps the old version',
  async (lab) => {
    const { client, before } = await oldClientNewSource(lab, GAME, 192);
    const from = client.events.length;
    const answer = client.request('download', { game: GAME }, 120_000);
    await chunksAfter(client, from, 10);
    const cancel = await client.request('cancel-download', { game: GAME });
    assert.equal(cancel.ok, true, JSON.stringify(cancel.error));
    const cancelled = await answer;
    assert.equal(cancelled.error?.code, 'cancelled');
    assert.ok(client.events.slice(from).some((e) => e.event === 'download-cancelled'));
    await assertOldIntact(lab, client, GAME, before);
    const kept = await oldRow(client);
    return `cancel after 10 chunks -> answer cancelled with download-cancelled; old root and local/ byte-identical, ${kept}, play works`;
  },
);
