import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BRAVO, bigGame, SMALL_CHUNKS } from './harness/fixtures.js';
import { download, eventNames, link, listGames } from './harness/assertions.js';
import { scenario } from './harness/lab.js';
import { assertSameRoot } from './harness/manifests.js';

scenario('S4', 'single-source download, no install', async (lab) => {
  await lab.games('bravo', BRAVO);
  const bravo = await lab.start('bravo');
  const client = await lab.start('client');
  await link(client, bravo);
  const { answer, events } = await download(client, 'bfbc2');
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  const names = eventNames(events);
  for (const e of [
    'got-game-files',
    'download-begin',
    'download-chunk-finished',
    'download-finished',
  ])
    assert.ok(names.includes(e), e);
  assert.ok(names.indexOf('got-game-files') < names.indexOf('download-begin'));
  const row = (await listGames(client)).local.find((g) => g.id === 'bfbc2');
  assert.equal(row?.downloaded, true);
  assert.equal(row?.installed, false);
  assert.equal(row?.availability, 'Ready');
  assert.equal(existsSync(join(lab.gamesDir('client'), 'bfbc2', 'local')), false);
  const files = await assertSameRoot(lab, 'bravo', 'client', 'bfbc2');
  return `events ${names.join(',')}; bfbc2 downloaded=true installed=false Ready; ${files} files match by SHA-256; no local/`;
});

scenario('S13', 'exact transferred-file equality, small and large', async (lab) => {
  await lab.games('source', [...BRAVO, bigGame('alienswarm', 48, { files: 3 })]);
  const source = await lab.start('source', { extraArgs: SMALL_CHUNKS });
  const client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
  await link(client, source);
  const small = await download(client, 'bfbc2');
  assert.equal(small.answer.ok, true, JSON.stringify(small.answer.error));
  const large = await download(client, 'alienswarm');
  assert.equal(large.answer.ok, true, JSON.stringify(large.answer.error));
  const a = await assertSameRoot(lab, 'source', 'client', 'bfbc2');
  const b = await assertSameRoot(lab, 'source', 'client', 'alienswarm');
  const chunks = large.events.filter((e) => e.event === 'download-chunk-finished').length;
  // The journal stays until the flush after the commit has put the files on the disk.
  await lab.flushed('client', 'alienswarm');
  assert.ok(
    !existsSync(join(lab.gamesDir('client'), 'alienswarm', '.lanspread', 'download.json')),
    'journal removed after the flush',
  );
  return `bfbc2 ${a} files and alienswarm ${b} files (48 MiB in ${chunks} chunks) match by SHA-256; no extra or missing files`;
});

scenario('S34', 'many-small-files game without .eti', async (lab) => {
  await lab.games('source', [
    {
      id: 'bf1942',
      version: '20250101',
      files: Array.from({ length: 20 }, (_, i) => ({
        path: `maps/map${i}.dat`,
        size: 100 + i * 37,
      })),
    },
  ]);
  const source = await lab.start('source');
  const client = await lab.start('client');
  await link(client, source);
  const { answer, events } = await download(client, 'bf1942');
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  const chunkPaths = events
    .filter((e) => e.event === 'download-chunk-finished')
    .map((e) => String(e.path));
  assert.equal(chunkPaths.length, 21, 'one chunk per small file, version.ini included');
  assert.ok(chunkPaths.includes('version.ini'));
  const files = await assertSameRoot(lab, 'source', 'client', 'bf1942');
  return `${chunkPaths.length} chunk events (20 files + version.ini); ${files} files match`;
});
