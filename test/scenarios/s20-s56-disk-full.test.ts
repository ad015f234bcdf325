import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { bigGame, SMALL_CHUNKS } from './harness/fixtures.js';
import { assertNoOutbound, download, link, listGames } from './harness/assertions.js';
import { scenario } from './harness/lab.js';
import { assertInstalledFromArchives } from './harness/manifests.js';
import { mountSmallFilesystem } from './harness/small-filesystem.js';

scenario('S56', 'not enough disk: refused before any byte is written', async (lab) => {
  await lab.games('source', [bigGame('alienswarm', 24)]);
  const source = await lab.start('source', { extraArgs: SMALL_CHUNKS });
  const unmount = await mountSmallFilesystem(lab.gamesDir('client'), 16);
  try {
    const client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
    await link(client, source);
    const { answer, events } = await download(client, 'alienswarm');
    assert.equal(answer.error?.code, 'insufficient-space');
    const { needed_bytes, free_bytes } = answer.error?.details ?? {};
    assert.ok(
      typeof needed_bytes === 'number' &&
        typeof free_bytes === 'number' &&
        needed_bytes > free_bytes,
      `the answer carries the numbers: ${JSON.stringify(answer.error)}`,
    );
    const failed = events.find((e) => e.event === 'download-failed');
    assert.deepEqual(
      failed?.details,
      answer.error?.details,
      "the download-failed event carries the answer's numbers",
    );
    assert.equal(
      events.some((e) => e.event === 'download-begin'),
      false,
      'refused before download-begin',
    );
    assert.equal(events.filter((e) => e.event === 'download-chunk-finished').length, 0);
    // Nothing is left behind: no root (not even `.lanspread/`), so no row for the game.
    const root = join(lab.gamesDir('client'), 'alienswarm');
    assert.deepEqual(existsSync(root) ? await readdir(root) : [], [], 'nothing in the root');
    assert.equal(existsSync(root), false, 'no root folder');
    const rows = (await listGames(client)).local.filter((g) => g.id === 'alienswarm');
    assert.deepEqual(rows, [], 'no local row');
    const status = await client.cmd<{ active_operations: unknown[] }>('status');
    assert.deepEqual(status.active_operations, []);
    return `24 MiB game into a 16 MiB tmpfs -> ${answer.error?.code}: "${answer.error?.message}"; no chunk, no root folder, no row`;
  } finally {
    unmount();
  }
});

scenario('S20', 'receiver write failure: the disk fills during the download', async (lab) => {
  // Two 20 MiB games into a 32 MiB tmpfs, at once: each passes its space check alone, but
  // together they cannot fit, so at least one write fails mid-download.
  await lab.games('source', [bigGame('alienswarm', 20), bigGame('cod5', 20)]);
  const source = await lab.start('source', { extraArgs: SMALL_CHUNKS });
  const games = lab.gamesDir('client');
  const unmount = await mountSmallFilesystem(games, 32);
  try {
    const client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
    await link(client, source);
    const results = await Promise.all([download(client, 'alienswarm'), download(client, 'cod5')]);
    const failed = results.filter((r) => !r.answer.ok);
    assert.ok(failed.length >= 1, 'both games cannot fit');
    const evidence = [];
    for (const [i, game] of ['alienswarm', 'cod5'].entries()) {
      const r = results[i]!;
      if (r.answer.ok) {
        assert.ok(existsSync(join(games, game, 'version.ini')));
        evidence.push(`${game} finished`);
        continue;
      }
      assert.ok(
        r.events.some((e) => e.event === 'download-failed'),
        `${game}: download-failed event`,
      );
      assert.equal(existsSync(join(games, game, 'version.ini')), false, `${game}: no version.ini`);
      evidence.push(
        `${game} -> ${r.answer.error?.code}: "${r.answer.error?.message.slice(0, 70)}"`,
      );
    }
    const status = await client.cmd<{ active_operations: unknown[] }>('status');
    assert.deepEqual(status.active_operations, []);
    return `${evidence.join('; ')}; no version.ini for a failed game; no active operation`;
  } finally {
    unmount();
  }
});

scenario('S56', 'installs that fill the disk fail cleanly', async (lab) => {
  // Two 20 MiB games on a 64 MiB tmpfs leave 24 MiB: each install fits alone (it passes its
  // space check), both at once cannot, so at least one runs out of disk mid-write.
  const games = lab.gamesDir('client');
  const unmount = await mountSmallFilesystem(games, 64);
  try {
    await lab.games('client', [bigGame('alienswarm', 20), bigGame('cod5', 20)]);
    const client = await lab.start('client');
    const answers = await Promise.all(
      ['alienswarm', 'cod5'].map((game) => client.request('install', { game }, 120_000)),
    );
    const evidence: string[] = [];
    for (const [i, game] of ['alienswarm', 'cod5'].entries()) {
      const answer = answers[i]!;
      const left = (await readdir(join(games, game))).sort();
      if (answer.ok) {
        await assertInstalledFromArchives(lab, 'client', game);
        evidence.push(`${game} installed`);
        continue;
      }
      assert.equal(answer.error?.code, 'insufficient-space', JSON.stringify(answer.error));
      assert.deepEqual(
        left,
        ['alienswarm.eti', 'cod5.eti']
          .filter((n) => n.startsWith(game))
          .concat(['notes.txt', 'version.ini'])
          .sort(),
      );
      evidence.push(
        `${game}: ${answer.error?.code} "${answer.error?.message}", no local/ or staging left`,
      );
    }
    assert.ok(
      answers.some((a) => !a.ok),
      'both installs cannot fit',
    );
    const status = await client.cmd<{ active_operations: unknown[] }>('status');
    assert.deepEqual(status.active_operations, []);
    return evidence.join('; ');
  } finally {
    unmount();
  }
});

scenario('S56', 'a streamed install that does not fit is refused before any entry', async (lab) => {
  await lab.games('source', [bigGame('alienswarm', 24)]);
  const source = await lab.start('source');
  const unmount = await mountSmallFilesystem(lab.gamesDir('client'), 16);
  try {
    const client = await lab.start('client');
    await link(client, source);
    const from = client.events.length;
    const answer = await client.request('stream-install', { game: 'alienswarm' }, 60_000);
    assert.equal(answer.error?.code, 'insufficient-space', JSON.stringify(answer.error));
    const events = client.events.slice(from).filter((e) => e.game === 'alienswarm');
    const failed = events.find(
      (e) => e.event === 'download-failed' || e.event === 'install-failed',
    );
    assert.deepEqual(
      failed?.details,
      answer.error?.details,
      'the failure event carries the numbers',
    );
    assert.equal(typeof answer.error?.details?.needed_bytes, 'number');
    assert.equal(events.filter((e) => e.event === 'download-chunk-finished').length, 0);
    assert.deepEqual(await readdir(lab.gamesDir('client')), [], 'nothing left in the games folder');
    await assertNoOutbound(source, 'alienswarm');
    return `24 MiB of entries into a 16 MiB tmpfs -> ${answer.error?.code}: "${answer.error?.message}"; no entry written, the source's outbound transfer ended`;
  } finally {
    unmount();
  }
});
