import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { open, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_MANIFEST_EXCLUDES, sha256Manifest } from '../support/fixture-games.js';
import { link, listGames } from './harness/assertions.js';
import { bigGame, CATALOG_VERSION, SMALL_CHUNKS } from './harness/fixtures.js';
import { scenario, type Lab } from './harness/lab.js';
import { referenceExtraction } from './harness/manifests.js';
import {
  assertNoLeftovers,
  assertOldIntact,
  oldGame,
  snapshotRoot,
} from './harness/old-install.js';
import type { Answer, Json, PeerProcess } from './harness/peer-process.js';

const GAME = 'cnctw';
/** Many entries, so installs and streams can be caught early and late. */
const SPEC = bigGame(GAME, 128, { files: 16 });
/** A file the player made in local/: there after a rollback, gone after a completed reinstall. */
const SAVE = 'player-save.txt';

interface Crash {
  /** Starts the operation; its answer is ignored (the peer dies under it). */
  cmd: string;
  args: Json;
  /** Resolves at the instant to pull the plug. */
  when: (peer: PeerProcess, from: number) => Promise<unknown>;
}

/**
 * Runs `crash.cmd`, SIGKILLs the peer at `crash.when`, starts it again on the same folders. A
 * download or update the crash cut short is queued again and would carry on as soon as a source
 * is linked (S69); it is paused here, so that the test's next request resumes it when it chooses.
 */
async function crashAndRestart(lab: Lab, peer: PeerProcess, crash: Crash): Promise<PeerProcess> {
  const from = peer.events.length;
  void peer.request(crash.cmd, { game: GAME, ...crash.args }, 120_000).catch(() => undefined);
  await crash.when(peer, from);
  peer.kill('SIGKILL');
  await peer.exited;
  const again = await lab.start(peer.name, { extraArgs: SMALL_CHUNKS });
  const { queue } = await again.cmd<{ queue: { game: string }[] }>('status');
  if (queue.some((row) => row.game === GAME)) await again.cmd('pause-download', { game: GAME });
  return again;
}

function chunks(count: number): Crash['when'] {
  return (peer, from) =>
    peer.waitEvent(
      () =>
        peer.events.slice(from).filter((e) => e.event === 'download-chunk-finished').length >=
        count,
      30_000,
      from,
    );
}

function onEvent(name: string): Crash['when'] {
  return (peer, from) => peer.waitEvent((e) => e.event === name, 60_000, from);
}

/** `ms` after the event `name`: a point inside an operation whose length was measured. */
function afterEvent(name: string, ms: number): Crash['when'] {
  return async (peer, from) => {
    await peer.waitEvent((e) => e.event === name, 60_000, from);
    await new Promise((r) => setTimeout(r, ms));
  };
}

/**
 * The invariants after a restart: no staging or backup anywhere, a root with the catalog
 * version.ini holds exactly the source's bytes (else it is not Ready), and a local/ is whole.
 * Returns the state found, for the evidence.
 */
async function assertSettled(lab: Lab, peer: PeerProcess, source: string): Promise<string> {
  const root = join(lab.gamesDir(peer.name), GAME);
  if (!existsSync(root)) return 'no root';
  await assertNoLeftovers(lab, peer.name, GAME);
  const row = (await listGames(peer)).local.find((g) => g.id === GAME);
  const states: string[] = [];
  const ini = join(root, 'version.ini');
  const version = existsSync(ini) ? (await readFile(ini, 'utf8')).trim() : null;
  if (version === CATALOG_VERSION) {
    // The first-play marker is the player's, not the game's: the rest must be the source's bytes.
    const exclude = [...DEFAULT_MANIFEST_EXCLUDES, 'launch_settings_applied'];
    assert.deepEqual(
      await sha256Manifest(root, { exclude }),
      await sha256Manifest(join(lab.gamesDir(source), GAME), { exclude }),
      `${peer.name}/${GAME} differs from ${source}/${GAME}`,
    );
    assert.equal(row?.availability, 'Ready');
    states.push('Ready (SHA-256 = source)');
  } else {
    assert.notEqual(row?.availability, 'Ready', 'a root without the catalog version.ini is Ready');
    states.push(version === null ? 'not Ready' : `old ${version}`);
  }
  if (existsSync(join(root, 'local'))) {
    const archives = (await readdir(root)).some((n) => n.endsWith('.eti'));
    const want = await referenceExtraction(archives ? root : join(lab.gamesDir(source), GAME));
    const got = await sha256Manifest(join(root, 'local'), { exclude: [SAVE] });
    assert.deepEqual(got, want, 'local/ is not a whole install');
    states.push(existsSync(join(root, 'local', SAVE)) ? 'old local/' : 'local/ whole');
  }
  return states.join(' + ');
}

/** What startup recovery logged on this peer's stderr, oldest first. */
async function recoveries(lab: Lab, peer: string): Promise<string[]> {
  const log = await readFile(join(lab.root, `${peer}.stderr.log`), 'utf8');
  return log
    .split('\n')
    .filter((line) => line.includes('startup recovery settled'))
    .map((line) => {
      const record = JSON.parse(line) as { kind: string; outcome: string };
      return `${record.kind}: ${record.outcome}`;
    });
}

function assertOk(answer: Answer, what: string): void {
  assert.equal(answer.ok, true, `${what}: ${JSON.stringify(answer.error)}`);
}

scenario(
  'S58-DOWNLOAD',
  'a peer killed mid-download never shows a Ready root missing bytes',
  async (lab) => {
    await lab.games('source', [SPEC]);
    const source = await lab.start('source', { extraArgs: SMALL_CHUNKS });
    let client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
    await link(client, source);
    const seen: string[] = [];
    for (const [point, when] of [
      ['early', chunks(5)],
      ['late', chunks(100)],
    ] as const) {
      client = await crashAndRestart(lab, client, {
        cmd: 'download',
        args: { install: false },
        when,
      });
      seen.push(`${point}: ${await assertSettled(lab, client, 'source')}`);
      await link(client, source);
    }
    // As after a power cut: the journal reached the disk, a chunk it names did not.
    const root = join(lab.gamesDir('client'), GAME);
    const journal = JSON.parse(
      await readFile(join(root, '.lanspread', 'download.json'), 'utf8'),
    ) as { verified: string[] };
    const lost = journal.verified.filter((key) => key.startsWith(`${GAME}.eti@`)).at(-1);
    assert.ok(lost !== undefined, 'the journal kept verified chunks of the archive');
    const at = Number(lost.split('@')[1]);
    const file = await open(join(root, `${GAME}.eti`), 'r+');
    await file.write(Buffer.alloc(1024 * 1024), 0, 1024 * 1024, at);
    await file.close();
    const from = client.events.length;
    const again = await client.request('download', { game: GAME, install: true }, 120_000);
    assertOk(again, 'the download after the crashes');
    const refetched = client.events
      .slice(from)
      .some(
        (e) => e.event === 'download-chunk-finished' && e.path === `${GAME}.eti` && e.offset === at,
      );
    assert.ok(refetched, `the zeroed chunk ${lost} was fetched again`);
    const final = await assertSettled(lab, client, 'source');
    return `${seen.join('; ')}; recovery: ${(await recoveries(lab, 'client')).length} intents settled; journaled chunk ${lost} zeroed on disk was re-checked and fetched again; then download+install -> ${final}`;
  },
);

scenario(
  'S58-FLUSH',
  'a peer killed as its download turns Ready, before every file is on the disk, stays Ready',
  async (lab) => {
    await lab.games('source', [SPEC]);
    const source = await lab.start('source', { extraArgs: SMALL_CHUNKS });
    let client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
    await link(client, source);
    const record = join(lab.stateDir('client'), 'flushes', `${GAME}.json`);
    let pending = false;
    client = await crashAndRestart(lab, client, {
      cmd: 'download',
      args: { install: false },
      when: async (peer, from) => {
        await onEvent('download-finished')(peer, from);
        pending = existsSync(record);
      },
    });
    // Same boot: the system still holds what the killed peer wrote, so recovery flushes it.
    const settled = await assertSettled(lab, client, 'source');
    assert.equal(settled, 'Ready (SHA-256 = source)');
    assert.equal(existsSync(record), false, 'the flush record is settled');
    const root = join(lab.gamesDir('client'), GAME);
    assert.equal(existsSync(join(root, '.lanspread', 'download.json')), false, 'no journal left');
    const outcomes = await recoveries(lab, 'client');
    if (pending) assert.match(outcomes.join('\n'), /flush: the system kept the files/);
    // The game is in use at once, and its next operation waits for nothing left.
    assertOk(await client.request('install', { game: GAME }, 60_000), 'the install after it');
    return `killed at download-finished with the flush ${pending ? 'still running' : 'already done'}; recovery: ${outcomes.join(' | ') || 'nothing to settle'}; after restart ${settled}, then installed`;
  },
);

scenario(
  'S58-INSTALL',
  'a peer killed mid-install keeps the previous local/ whole',
  async (lab) => {
    await lab.games('source', [SPEC]);
    await lab.games('client', [SPEC]);
    let client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
    const first = client.request('install', { game: GAME }, 60_000);
    await client.waitEvent((e) => e.event === 'install-begin', 60_000);
    const started = Date.now();
    assertOk(await first, 'the first install');
    // A late instant: half way through an install as long as the first one (page cache warm now).
    const lateMs = Math.round((Date.now() - started) * 0.5);
    const local = join(lab.gamesDir('client'), GAME, 'local');
    const seen: string[] = [];
    for (const [point, when] of [
      ['at install-begin', onEvent('install-begin')],
      [`${lateMs} ms after install-begin`, afterEvent('install-begin', lateMs)],
    ] as const) {
      await writeFile(join(local, SAVE), point);
      client = await crashAndRestart(lab, client, { cmd: 'install', args: {}, when });
      seen.push(`${point}: ${await assertSettled(lab, client, 'source')}`);
      const play = await client.request('play', {
        game: GAME,
        username: 'Gordon',
        language: 'english',
      });
      assertOk(play, 'play after the crash');
    }
    assertOk(
      await client.request('install', { game: GAME }, 60_000),
      'the install after the crashes',
    );
    const final = await assertSettled(lab, client, 'source');
    return `${seen.join('; ')}; recovery: ${(await recoveries(lab, 'client')).join(' | ')}; play worked after each; then install -> ${final}`;
  },
);

scenario('S58-UPDATE', 'a peer killed mid-update keeps the old install playable', async (lab) => {
  await lab.games('source', [SPEC]);
  await lab.games('client', [oldGame(GAME, 16)]);
  const source = await lab.start('source', { extraArgs: SMALL_CHUNKS });
  let client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
  assertOk(await client.request('install', { game: GAME }, 60_000), 'the old install');
  await link(client, source);
  const before = await snapshotRoot(lab, 'client', GAME);
  const staging = join(lab.gamesDir('client'), '.lanspread', 'update', GAME);
  const seen: string[] = [];
  for (const [point, when] of [
    ['downloading', chunks(40)],
    ['installing beside (at install-begin)', onEvent('install-begin')],
  ] as const) {
    client = await crashAndRestart(lab, client, { cmd: 'update', args: {}, when });
    await assertOldIntact(lab, client, GAME, before);
    const resume = existsSync(join(staging, '.lanspread', 'download.json'));
    const complete = existsSync(join(staging, 'version.ini'));
    if (point !== 'downloading') assert.ok(complete, 'the finished download is kept beside');
    seen.push(
      `${point}: old root byte-identical, play works, staging ${resume ? 'kept as resume data' : complete ? 'kept complete, without local/' : 'removed'}`,
    );
    await link(client, source);
  }
  // Around the swap either state is right, never a mix. The new root downloaded before the last
  // crash is installed as it is, not fetched again.
  const killed = client;
  const from = client.events.length;
  client = await crashAndRestart(lab, client, {
    cmd: 'update',
    args: {},
    when: onEvent('install-finished'),
  });
  const run = killed.events.slice(from).map((e) => e.event);
  assert.ok(run.includes('install-begin'), 'the update installed');
  assert.equal(run.includes('download-begin'), false, 'the kept download was fetched again');
  seen.push('the update after it installed the kept download without fetching a byte');
  const atSwap = await assertSettled(lab, client, 'source');
  if (atSwap.startsWith('old')) {
    await assertOldIntact(lab, client, GAME, before);
    await link(client, source);
    assertOk(
      await client.request('update', { game: GAME }, 120_000),
      'the update after the crashes',
    );
  }
  const final = await assertSettled(lab, client, 'source');
  assert.ok(final.startsWith('Ready'), final);
  return `${seen.join('; ')}; at install-finished: ${atSwap}; recovery: ${(await recoveries(lab, 'client')).join(' | ')}; final: ${final}`;
});

scenario('S58-STREAM', 'a peer killed mid-stream-install leaves no half root', async (lab) => {
  await lab.games('source', [SPEC]);
  const source = await lab.start('source', { extraArgs: SMALL_CHUNKS });
  let client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
  await link(client, source);
  const seen: string[] = [];
  for (const [point, when] of [
    ['after 2 entries', chunks(2)],
    ['at install-begin', onEvent('install-begin')],
  ] as const) {
    client = await crashAndRestart(lab, client, { cmd: 'stream-install', args: {}, when });
    const state = await assertSettled(lab, client, 'source');
    assert.ok(state === 'no root' || state === 'not Ready + local/ whole', state);
    seen.push(`${point}: ${state}`);
    await link(client, source);
  }
  const again = await client.request('stream-install', { game: GAME }, 120_000);
  const code = again.ok ? 'ok' : again.error?.code;
  assert.ok(code === 'ok' || code === 'already-installed', `the second attempt: ${code}`);
  const final = await assertSettled(lab, client, 'source');
  assert.equal(final, 'not Ready + local/ whole');
  return `${seen.join('; ')}; recovery: ${(await recoveries(lab, 'client')).join(' | ')}; second attempt ${code} -> ${final}`;
});
