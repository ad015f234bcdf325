import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeStoredRar5 } from '../../src/archive/index.js';
import { fixtureBytes } from '../support/fixture-games.js';
import { download, eventNames, link, listGames } from './harness/assertions.js';
import { BRAVO, smallGame } from './harness/fixtures.js';
import { scenario } from './harness/lab.js';
import { assertInstalledFromArchives, assertSameRoot } from './harness/manifests.js';
import type { PeerProcess } from './harness/peer-process.js';

async function localRow(peer: PeerProcess, game: string) {
  return (await listGames(peer)).local.find((g) => g.id === game);
}

scenario('S5', 'auto-install download', async (lab) => {
  await lab.games('bravo', BRAVO);
  const bravo = await lab.start('bravo');
  const client = await lab.start('client');
  await link(client, bravo);
  const { answer, events } = await download(client, 'cnctw', { install: true });
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  const names = eventNames(events);
  assert.deepEqual(
    names.filter((n) => ['download-finished', 'install-begin', 'install-finished'].includes(n)),
    ['download-finished', 'install-begin', 'install-finished'],
  );
  const row = await localRow(client, 'cnctw');
  assert.equal(row?.downloaded, true);
  assert.equal(row?.installed, true);
  assert.equal(row?.availability, 'Ready');
  const payload = await readFile(
    join(lab.gamesDir('client'), 'cnctw', 'local', 'fixture-payload.txt'),
  );
  assert.ok(payload.equals(fixtureBytes('cnctw', 'fixture-payload.txt', 4096)));
  const root = await assertSameRoot(lab, 'bravo', 'client', 'cnctw');
  const installed = await assertInstalledFromArchives(lab, 'client', 'cnctw');
  return `events ${names.join(',')}; cnctw downloaded=true installed=true; root ${root} files match bravo; local/ ${installed} files match bsdtar's extraction`;
});

scenario('S6', 'manual install and uninstall', async (lab) => {
  await lab.games('bravo', BRAVO);
  const bravo = await lab.start('bravo');
  const client = await lab.start('client');
  await link(client, bravo);
  assert.equal((await download(client, 'bfbc2')).answer.ok, true);
  const local = join(lab.gamesDir('client'), 'bfbc2', 'local');
  assert.equal(existsSync(local), false);
  assert.deepEqual(await client.cmd('install', { game: 'bfbc2' }), { game: 'bfbc2' });
  await client.waitEvent((e) => e.event === 'install-finished' && e.game === 'bfbc2');
  assert.equal((await localRow(client, 'bfbc2'))?.installed, true);
  const files = await assertInstalledFromArchives(lab, 'client', 'bfbc2');
  assert.deepEqual(await client.cmd('uninstall', { game: 'bfbc2' }), { game: 'bfbc2' });
  await client.waitEvent((e) => e.event === 'uninstall-finished' && e.game === 'bfbc2');
  const row = await localRow(client, 'bfbc2');
  assert.equal(row?.installed, false);
  assert.equal(row?.downloaded, true);
  assert.equal(existsSync(local), false);
  const root = await assertSameRoot(lab, 'bravo', 'client', 'bfbc2');
  const again = await client.request('uninstall', { game: 'bfbc2' });
  assert.equal(again.error?.code, 'not-installed');
  return `install made local/ (${files} files = bsdtar's extraction), installed=true; uninstall removed local/ only, root ${root} files still match bravo; a second uninstall answers not-installed`;
});

scenario('S32', 'reinstall after uninstall, without a transfer', async (lab) => {
  await lab.games('client', [smallGame('cnctw')]);
  const client = await lab.start('client');
  await client.cmd('install', { game: 'cnctw' });
  await client.cmd('uninstall', { game: 'cnctw' });
  const from = client.events.length;
  await client.cmd('install', { game: 'cnctw' });
  const during = eventNames(client.events.slice(from));
  assert.ok(during.includes('install-finished'), during.join(','));
  assert.equal(during.filter((n) => n.startsWith('download-')).length, 0, during.join(','));
  assert.equal((await localRow(client, 'cnctw'))?.installed, true);
  const files = await assertInstalledFromArchives(lab, 'client', 'cnctw');
  return `reinstall events ${during.join(',')} (no transfer); installed=true; local/ ${files} files = bsdtar's extraction`;
});

scenario('S33', 'install after an external mutation of the root', async (lab) => {
  await lab.games('client', [smallGame('bfbc2')]);
  const client = await lab.start('client');
  // Replace the archive under the running peer: install must read the bytes there now.
  const mutated = Buffer.from('mutated payload: the archive was replaced after the download\n');
  const mtime = new Date('2025-06-01T00:00:00Z');
  await writeStoredRar5(join(lab.gamesDir('client'), 'bfbc2', 'bfbc2.eti'), [
    { name: 'fixture-payload.txt', kind: 'file', mtime, source: { bytes: mutated } },
  ]);
  await client.cmd('install', { game: 'bfbc2' });
  const got = await readFile(join(lab.gamesDir('client'), 'bfbc2', 'local', 'fixture-payload.txt'));
  assert.ok(got.equals(mutated), 'local/fixture-payload.txt is the mutated archive entry');
  const files = await assertInstalledFromArchives(lab, 'client', 'bfbc2');
  return `local/fixture-payload.txt equals the mutated archive's ${mutated.length} bytes; local/ ${files} file = bsdtar's extraction`;
});
