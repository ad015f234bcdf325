import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readArchiveHeaders } from '../../src/archive/index.js';
import { corpusPath, requireCorpus } from '../support/corpus.js';
import type { FixtureGameSpec } from '../support/fixture-games.js';
import { sha256Manifest } from '../support/fixture-games.js';
import { assertNoOutbound, eventNames, link, listGames } from './harness/assertions.js';
import { CATALOG_VERSION } from './harness/fixtures.js';
import { scenario, type Lab } from './harness/lab.js';
import { referenceExtraction } from './harness/manifests.js';
import type { Answer, Json, PeerProcess } from './harness/peer-process.js';

/** cnctw as the seed's S39 fixture: real RAR payload entries under bin/ and data/. */
const CNCTW: FixtureGameSpec = {
  id: 'cnctw',
  version: CATALOG_VERSION,
  archives: [
    {
      name: 'cnctw.eti',
      entries: [
        { path: 'bin/cnctw-payload.bin', size: 3 * 1024 * 1024 + 7 },
        { path: 'data/cnctw-assets.dat', size: 256 * 1024 },
      ],
    },
  ],
  files: [{ path: 'notes.txt', size: 200 }],
};

/** A game big enough to interrupt: many entries, so entry events arrive early and often. */
function largeGame(id: string): FixtureGameSpec {
  return {
    id,
    version: CATALOG_VERSION,
    archives: [
      {
        name: `${id}.eti`,
        entries: Array.from({ length: 96 }, (_, i) => ({
          path: `data/part${String(i).padStart(2, '0')}.bin`,
          size: 8 * 1024 * 1024,
        })),
      },
    ],
  };
}

/** Sends `stream-install` and returns its answer with the events it produced. */
async function streamInstall(
  peer: PeerProcess,
  game: string,
): Promise<{ answer: Answer; events: Json[] }> {
  const from = peer.events.length;
  const answer = await peer.request('stream-install', { game }, 180_000);
  return { answer, events: peer.events.slice(from).filter((e) => e.game === game) };
}

/** Receiver state after a successful streamed install: LocalOnly, no archive, no version.ini. */
async function assertLocalOnly(lab: Lab, receiver: PeerProcess, game: string): Promise<void> {
  const row = (await listGames(receiver)).local.find((g) => g.id === game);
  assert.equal(row?.downloaded, false);
  assert.equal(row?.installed, true);
  assert.equal(row?.availability, 'LocalOnly');
  const root = join(lab.gamesDir(receiver.name), game);
  assert.deepEqual(
    await readdir(root),
    ['local'],
    'only local/: no version.ini, no .eti, no staging',
  );
}

/** The receiver's local/ equals what bsdtar makes of the source's archives, file by file. */
async function assertPayloadMatches(
  lab: Lab,
  source: string,
  receiver: string,
  game: string,
): Promise<number> {
  const want = await referenceExtraction(join(lab.gamesDir(source), game));
  const got = await sha256Manifest(join(lab.gamesDir(receiver), game, 'local'), { exclude: [] });
  assert.deepEqual(got, want);
  return Object.keys(want).length;
}

/** Nothing of the game on the receiver: no local/, no staging, no archive, no version.ini. */
function assertNothingLeft(lab: Lab, receiver: string, game: string): void {
  assert.equal(existsSync(join(lab.gamesDir(receiver), game)), false, `${game} root left behind`);
}

async function assertIdle(peer: PeerProcess): Promise<void> {
  const status = await peer.cmd<{ active_operations: unknown[] }>('status');
  assert.deepEqual(status.active_operations, []);
}

const SUCCESS = ['download-finished', 'install-begin', 'install-finished'];

scenario('S39', 'streamed install without keeping the archive', async (lab) => {
  await lab.games('bravo', [CNCTW]);
  const bravo = await lab.start('bravo');
  const client = await lab.start('client');
  await link(client, bravo);
  const { answer, events } = await streamInstall(client, 'cnctw');
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  const names = eventNames(events);
  const order = ['download-begin', 'download-chunk-finished', ...SUCCESS];
  assert.deepEqual(
    names.filter((n) => order.includes(n)),
    order,
  );
  const chunks = events.filter((e) => e.event === 'download-chunk-finished').map((e) => e.path);
  assert.deepEqual(chunks, ['bin/cnctw-payload.bin', 'data/cnctw-assets.dat']);
  await assertLocalOnly(lab, client, 'cnctw');
  const files = await assertPayloadMatches(lab, 'bravo', 'client', 'cnctw');
  await assertNoOutbound(bravo, 'cnctw');
  await assertIdle(client);
  // The party board's rates and the peers' byte counts take streamed bytes as they take chunks.
  const streamed = Number((answer.result as Json).bytes);
  type Traffic = { traffic: { sent_bytes: number; received_bytes: number } };
  assert.equal((await client.cmd<Traffic>('status')).traffic.received_bytes, streamed);
  assert.equal((await bravo.cmd<Traffic>('status')).traffic.sent_bytes, streamed);
  const rows = await client.cmd<{ peer_id: string; received_bytes: number }[]>('list-peers');
  assert.equal(rows.find((r) => r.peer_id === bravo.peerId)?.received_bytes, streamed);
  return `events ${names.join(',')}; streamed ${String((answer.result as Json).bytes)} bytes (both peers' traffic counts them); cnctw LocalOnly (downloaded=false installed=true), root holds only local/; ${files} payload files match bsdtar's extraction by SHA-256; bravo outbound_transfers for cnctw back to zero`;
});

scenario('S39', 'a streamed install reports download-progress like a download', async (lab) => {
  await lab.games('alpha', [largeGame('alienswarm')]);
  const alpha = await lab.start('alpha');
  const client = await lab.start('client');
  await link(client, alpha);
  const { answer, events } = await streamInstall(client, 'alienswarm');
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  const names = events.map((e) => e.event);
  const begin = events.find((e) => e.event === 'download-begin');
  const ticks = events.filter((e) => e.event === 'download-progress');
  assert.ok(ticks.length > 0, `no download-progress in ${eventNames(events).join(',')}`);
  assert.ok(
    names.indexOf('download-progress') > names.indexOf('download-begin') &&
      names.lastIndexOf('download-progress') < names.indexOf('download-finished'),
    'progress between the begin and the finish',
  );
  let last = 0;
  for (const tick of ticks) {
    const done = Number(tick.bytes_done);
    assert.equal(tick.bytes_total, begin?.bytes, 'the total is the plan announced at the begin');
    assert.ok(done >= last && done <= Number(tick.bytes_total), `bytes_done ${done} after ${last}`);
    assert.equal(tick.active_peers, 1);
    last = done;
  }
  assert.ok(last > 0, 'bytes were counted');
  await assertIdle(client);
  return `${ticks.length} download-progress events between download-begin and download-finished, bytes_done rising to ${last} of ${String(begin?.bytes)}, 1 active peer`;
});

scenario('S40', 'a streamed-install receiver is not a source', async (lab) => {
  await lab.games('bravo', [CNCTW]);
  const bravo = await lab.start('bravo');
  const client = await lab.start('client');
  await link(client, bravo);
  assert.equal((await streamInstall(client, 'cnctw')).answer.ok, true);
  const third = await lab.start('third');
  await link(third, client);
  const remote = (await listGames(third)).remote;
  assert.equal(
    remote.find((r) => r.id === 'cnctw'),
    undefined,
    JSON.stringify(remote),
  );
  const attempt = await third.request('download', { game: 'cnctw', install: false });
  assert.equal(attempt.error?.code, 'no-peers-have-game');
  assertNothingLeft(lab, 'third', 'cnctw');
  return `third peer sees no downloadable cnctw via the receiver (remote: ${remote.map((r) => r.id).join(',') || 'none'}); download answers no-peers-have-game; no files created`;
});

scenario('S41', 'streamed install of a solid archive', async (lab) => {
  requireCorpus();
  const root = join(lab.gamesDir('source'), 'cnctw');
  await mkdir(root, { recursive: true });
  await copyFile(corpusPath('rar5-solid.rar'), join(root, 'cnctw.eti'));
  await writeFile(join(root, 'version.ini'), `${CATALOG_VERSION}\n`);
  const listing = await readArchiveHeaders(join(root, 'cnctw.eti'));
  assert.equal(listing.solid, true, 'the fixture is a solid archive');
  const source = await lab.start('source');
  const client = await lab.start('client');
  await link(client, source);
  const { answer } = await streamInstall(client, 'cnctw');
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  const expectedBytes = listing.entries.reduce(
    (n, e) => n + (e.kind === 'file' ? (e.unpackedSize ?? 0) : 0),
    0,
  );
  assert.equal((answer.result as Json).bytes, expectedBytes);
  await assertLocalOnly(lab, client, 'cnctw');
  const files = await assertPayloadMatches(lab, 'source', 'client', 'cnctw');
  await assertNoOutbound(source, 'cnctw');
  return `RAR5 solid (${listing.entries.length} entries, our header parser says solid); streamed ${expectedBytes} bytes = the entries' sizes; ${files} files match bsdtar's extraction; LocalOnly`;
});

scenario('S42', 'streamed install retries the whole stream from the next source', async (lab) => {
  await lab.games('broken', [CNCTW]);
  await lab.games('good', [CNCTW]);
  // 127.0.0.1:… sorts before 127.0.0.2:…, so the broken source is tried first.
  const broken = await lab.start('broken', {
    extraArgs: ['--unrar', join(lab.root, 'no-such-unrar')],
  });
  const good = await lab.start('good', { extraArgs: ['--listen', '127.0.0.2:0'] });
  assert.ok(broken.addr < good.addr);
  const client = await lab.start('client');
  await link(client, broken);
  await link(client, good);
  const { answer, events } = await streamInstall(client, 'cnctw');
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  const chunks = events.filter((e) => e.event === 'download-chunk-finished');
  assert.equal(
    chunks.filter((e) => e.peer_addr === broken.addr).length,
    0,
    'the broken source sent no entry',
  );
  assert.equal(chunks.filter((e) => e.peer_addr === good.addr).length, 2);
  const dropped = events.find((e) => e.event === 'download-peer-dropped');
  assert.equal(dropped?.peer_addr, broken.addr);
  await assertLocalOnly(lab, client, 'cnctw');
  const files = await assertPayloadMatches(lab, 'good', 'client', 'cnctw');
  await assertNoOutbound(broken, 'cnctw');
  await assertNoOutbound(good, 'cnctw');
  return `broken ${broken.addr} dropped (${String(dropped?.reason).slice(0, 70)}), 0 entries from it; good ${good.addr} sent ${chunks.length}; ${files} files match good's archive; LocalOnly, no staging; both sources back to zero outbound`;
});

scenario('S43', 'a second streamed install is refused', async (lab) => {
  await lab.games('bravo', [CNCTW]);
  const bravo = await lab.start('bravo');
  const client = await lab.start('client');
  await link(client, bravo);
  assert.equal((await streamInstall(client, 'cnctw')).answer.ok, true);
  const before = await sha256Manifest(join(lab.gamesDir('client'), 'cnctw'), { exclude: [] });
  const { answer, events } = await streamInstall(client, 'cnctw');
  assert.equal(answer.error?.code, 'already-installed');
  const names = eventNames(events);
  assert.ok(names.includes('download-failed'), names.join(','));
  assert.equal(names.filter((n) => SUCCESS.includes(n)).length, 0, names.join(','));
  assert.deepEqual(
    await sha256Manifest(join(lab.gamesDir('client'), 'cnctw'), { exclude: [] }),
    before,
  );
  await assertIdle(client);
  return `second stream-install -> ${answer.error?.code}, events ${names.join(',')}; the install is unchanged; no active operation`;
});

scenario('S44', 'a corrupt archive on the source rolls the streamed install back', async (lab) => {
  await lab.games('bravo', [CNCTW]);
  const bravo = await lab.start('bravo');
  const client = await lab.start('client');
  await link(client, bravo);
  // The source still advertises cnctw Ready: only the archive bytes went bad.
  await writeFile(
    join(lab.gamesDir('bravo'), 'cnctw', 'cnctw.eti'),
    'these bytes are not a RAR archive',
  );
  const { answer, events } = await streamInstall(client, 'cnctw');
  assert.equal(answer.ok, false);
  const names = eventNames(events);
  assert.ok(names.includes('download-failed'), names.join(','));
  assert.equal(names.filter((n) => SUCCESS.includes(n)).length, 0);
  assertNothingLeft(lab, 'client', 'cnctw');
  await assertIdle(client);
  await assertNoOutbound(bravo, 'cnctw');
  const failed = events.find((e) => e.event === 'download-failed');
  return `download-failed ${String(failed?.code)}: ${String(failed?.message).slice(0, 100)}; no local/, staging, archive or version.ini on the receiver; source outbound back to zero`;
});

scenario('S45', 'the source dies during a streamed install', async (lab) => {
  await lab.games('alpha', [largeGame('alienswarm')]);
  const alpha = await lab.start('alpha');
  const client = await lab.start('client');
  await link(client, alpha);
  const from = client.events.length;
  const pending = client.request('stream-install', { game: 'alienswarm' }, 180_000);
  await client.waitEvent((e) => e.event === 'download-chunk-finished' && e.game === 'alienswarm');
  alpha.kill('SIGKILL');
  const answer = await pending;
  assert.equal(answer.ok, false);
  const names = eventNames(client.events.slice(from).filter((e) => e.game === 'alienswarm'));
  assert.ok(names.includes('download-failed'), names.join(','));
  assert.equal(names.filter((n) => SUCCESS.includes(n)).length, 0);
  assertNothingLeft(lab, 'client', 'alienswarm');
  await assertIdle(client);
  return `source killed after the first entry -> ${answer.error?.code}: ${answer.error?.message.slice(0, 90)}; no success event; staging rolled back; no active operation`;
});

scenario('S46', 'the receiver cancels a streamed install', async (lab) => {
  await lab.games('alpha', [largeGame('alienswarm')]);
  const alpha = await lab.start('alpha');
  const client = await lab.start('client');
  await link(client, alpha);
  const from = client.events.length;
  const pending = client.request('stream-install', { game: 'alienswarm' }, 180_000);
  await client.waitEvent((e) => e.event === 'download-chunk-finished' && e.game === 'alienswarm');
  assert.deepEqual(await client.cmd('cancel-download', { game: 'alienswarm' }), {
    game: 'alienswarm',
  });
  const answer = await pending;
  assert.equal(answer.error?.code, 'cancelled');
  const names = eventNames(client.events.slice(from).filter((e) => e.game === 'alienswarm'));
  assert.ok(names.includes('download-cancelled'), names.join(','));
  assert.equal(names.includes('download-failed'), false, 'a cancel is not a failure');
  assert.equal(names.filter((n) => SUCCESS.includes(n)).length, 0);
  assertNothingLeft(lab, 'client', 'alienswarm');
  await assertIdle(client);
  await assertNoOutbound(alpha, 'alienswarm');
  return `cancel after the first entry -> answer ${answer.error?.code}, events ${names.join(',')}; nothing left on the receiver; the source's outbound transfer ended`;
});

scenario('S47', 'several archives stream in byte-wise sorted order', async (lab) => {
  // Byte-wise, cnctw-10 sorts before cnctw-2 (a natural sort would put it after).
  await lab.games('source', [
    {
      id: 'cnctw',
      version: CATALOG_VERSION,
      archives: [
        { name: 'cnctw-2.eti', entries: [{ path: 'order/second.txt', size: 1000 }] },
        { name: 'cnctw-10.eti', entries: [{ path: 'order/first.txt', size: 2000 }] },
      ],
    },
  ]);
  const source = await lab.start('source');
  const client = await lab.start('client');
  await link(client, source);
  const { answer, events } = await streamInstall(client, 'cnctw');
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  const paths = events.filter((e) => e.event === 'download-chunk-finished').map((e) => e.path);
  assert.deepEqual(paths, ['order/first.txt', 'order/second.txt']);
  await assertLocalOnly(lab, client, 'cnctw');
  const files = await assertPayloadMatches(lab, 'source', 'client', 'cnctw');
  return `entries arrived as ${paths.join(', ')} (cnctw-10.eti before cnctw-2.eti); ${files} files match; LocalOnly, no archives or version.ini`;
});
