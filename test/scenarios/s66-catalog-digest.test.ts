import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Manifest } from '../support/fixture-games.js';
import { bytesBySource, download, link } from './harness/assertions.js';
import { smallGame } from './harness/fixtures.js';
import { scenario, type Lab } from './harness/lab.js';
import {
  assertInstalledFromArchives,
  assertSameRoot,
  referenceExtraction,
} from './harness/manifests.js';
import { CLI, type Json, type PeerProcess } from './harness/peer-process.js';

const GAME = 'ggoo';
/** The liars' root: the same id and version, other bytes (a trojaned archive). */
const TROJAN_SEED = 'trojan';

/** `lanspread catalog FILE ARGS…` as the organiser runs it; its stdout. */
function catalogTool(file: string, ...args: string[]): string {
  const run = spawnSync(process.execPath, [CLI, 'catalog', file, ...args], { encoding: 'utf8' });
  assert.equal(run.status, 0, `catalog ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

/** The organiser's catalog: ggoo added from the honest root, so it carries its digest. */
async function vouchingCatalog(lab: Lab): Promise<{ file: string; digest: string }> {
  await lab.games('honest', [smallGame(GAME)]);
  const file = join(lab.root, 'party.db');
  const out = catalogTool(file, 'add', join(lab.gamesDir('honest'), GAME));
  const digest = /digest ([0-9a-f]{64})/.exec(out)?.[1];
  assert.ok(digest !== undefined, `catalog add printed no digest: ${out}`);
  return { file, digest };
}

/** Starts `names` as peers serving the trojaned root of the game, each its own identity. */
async function startLiars(lab: Lab, catalog: string, names: string[]): Promise<PeerProcess[]> {
  const liars = [];
  for (const name of names) {
    await lab.games(name, [smallGame(GAME, undefined, TROJAN_SEED)]);
    liars.push(await lab.start(name, { catalog }));
  }
  return liars;
}

function droppedPeers(events: readonly Json[]): string[] {
  return events
    .filter((e) => e.event === 'download-peer-dropped')
    .map((e) => String(e.peer_id))
    .sort();
}

/** Nothing of the game was committed on `peer`: no version.ini, no install, no archive. */
async function assertNothingCommitted(lab: Lab, peer: string): Promise<string> {
  const root = join(lab.gamesDir(peer), GAME);
  const left = existsSync(root) ? await readdir(root) : [];
  for (const name of ['version.ini', 'local', `${GAME}.eti`, 'notes.txt'])
    assert.ok(!left.includes(name), `${peer}/${GAME} holds ${name}`);
  return left.length === 0 ? 'no root' : `root holds only ${left.join(',')}`;
}

scenario('S66', 'sybil majority against a catalog digest', async (lab) => {
  const { file: catalog, digest } = await vouchingCatalog(lab);
  const honest = await lab.start('honest', { catalog });
  const liars = await startLiars(lab, catalog, ['liar1', 'liar2']);
  const honestFiles = await sha256Manifest(join(lab.gamesDir('honest'), GAME));
  const trojanFiles = await sha256Manifest(join(lab.gamesDir('liar1'), GAME));
  assert.notDeepEqual(trojanFiles, honestFiles);

  // Without a digest the seed's plurality vote stands: two identities outvote the honest one.
  const plain = join(lab.root, 'plain.db');
  catalogTool(plain, 'set', GAME, 'Goo-Goo Galaxy', '20250101');
  const naive = await lab.start('naive', { catalog: plain });
  for (const source of [honest, ...liars]) await link(naive, source);
  const fooled = await download(naive, GAME);
  assert.equal(fooled.answer.ok, true, JSON.stringify(fooled.answer.error));
  assert.deepEqual(await sha256Manifest(join(lab.gamesDir('naive'), GAME)), trojanFiles);

  // With it, both liars are dropped before the vote, and only the honest bytes arrive.
  const client = await lab.start('client', { catalog });
  const row = (await client.cmd<{ games: { id: string; manifest_digest: unknown }[] }>('catalog'))
    .games[0];
  assert.deepEqual(row && [row.id, row.manifest_digest], [GAME, digest]);
  for (const source of [honest, ...liars]) await link(client, source);
  const { answer, events } = await download(client, GAME, { install: true });
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  assert.deepEqual(droppedPeers(events), liars.map((l) => l.peerId).sort());
  for (const e of events.filter((e) => e.event === 'download-peer-dropped'))
    assert.match(String(e.reason), /do not match the catalog's digest/);
  const got = events.find((e) => e.event === 'got-game-files');
  assert.deepEqual(got?.peers, [honest.addr]);
  assert.deepEqual([...bytesBySource(events).keys()], [honest.addr]);
  const files = await assertSameRoot(lab, 'honest', 'client', GAME);
  const installed = await assertInstalledFromArchives(lab, 'client', GAME);
  return `no digest: 2 liars outvote 1 honest, trojan downloaded; digest ${digest.slice(0, 12)}…: both liars dropped (${droppedPeers(events).length} download-peer-dropped), got-game-files from the honest peer only, ${files} files equal to its root, ${installed} installed files equal to its archive`;
});

scenario('S66', 'a lone lying source against a catalog digest', async (lab) => {
  const { file: catalog } = await vouchingCatalog(lab);
  const [liar] = await startLiars(lab, catalog, ['liar']);
  const client = await lab.start('client', { catalog });
  await link(client, liar!);
  const { answer, events } = await download(client, GAME, { install: true });
  assert.equal(answer.ok, false);
  assert.equal(answer.error?.code, 'digest-mismatch');
  assert.deepEqual(droppedPeers(events), [liar!.peerId]);
  assert.equal(events.find((e) => e.event === 'download-failed')?.code, 'digest-mismatch');
  const downloadLeft = await assertNothingCommitted(lab, 'client');

  // A streamed install holds the source to the digest too, before a byte is streamed.
  const from = client.events.length;
  const streamed = await client.request('stream-install', { game: GAME }, 120_000);
  const streamEvents = client.events.slice(from).filter((e) => e.game === GAME);
  assert.equal(streamed.ok, false);
  assert.equal(streamed.error?.code, 'digest-mismatch');
  assert.deepEqual(droppedPeers(streamEvents), [liar!.peerId]);
  assert.ok(!streamEvents.some((e) => e.event === 'download-begin'), 'the liar streamed');
  const streamLeft = await assertNothingCommitted(lab, 'client');

  // The honest source, once there, is accepted by the same streamed install.
  const honest = await lab.start('honest', { catalog });
  await link(client, honest);
  const again = await client.request('stream-install', { game: GAME }, 120_000);
  assert.equal(again.ok, true, JSON.stringify(again.error));
  const want = await referenceExtraction(join(lab.gamesDir('honest'), GAME));
  const got = await sha256Manifest(join(lab.gamesDir('client'), GAME, 'local'), { exclude: [] });
  assert.deepEqual(got, want);
  const installed = Object.keys(got).length;
  return `download from the liar alone -> ${answer.error?.code}, liar dropped, ${downloadLeft}; stream-install -> ${streamed.error?.code} before any entry, ${streamLeft}; with the honest peer linked the stream-install succeeds, ${installed} files equal to its archive`;
});
