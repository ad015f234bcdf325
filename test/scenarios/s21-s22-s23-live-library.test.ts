import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFixtureGame, type FixtureGameSpec } from '../support/fixture-games.js';
import {
  link,
  listGames,
  listPeers,
  remoteCounts,
  type GameRow,
  type RemoteRow,
} from './harness/assertions.js';
import { ALPHA, CATALOG_VERSION, smallGame } from './harness/fixtures.js';
import { scenario, type Lab } from './harness/lab.js';
import type { Json, PeerProcess } from './harness/peer-process.js';

const STALE = '20200101';

/** Polls `peer`'s remote rows until `done`; resolves with the rows and when they were seen. */
async function untilRemote(
  peer: PeerProcess,
  done: (rows: RemoteRow[]) => boolean,
  timeoutMs = 10_000,
): Promise<{ rows: RemoteRow[]; at: number }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { remote } = await listGames(peer);
    if (done(remote)) return { rows: remote, at: Date.now() };
    if (Date.now() > until) {
      assert.fail(
        `${peer.name}: remote rows not as expected within ${timeoutMs} ms: ${remoteCounts(remote)}`,
      );
    }
    await sleep(20);
  }
}

const has = (id: string) => (rows: RemoteRow[]) => rows.some((r) => r.id === id);
const lacks = (id: string) => (rows: RemoteRow[]) => !rows.some((r) => r.id === id);

/** Two linked peers: `a` with `games`, `b` empty. Marks where their events start for the checks. */
async function linkedPair(
  lab: Lab,
  games: readonly FixtureGameSpec[],
): Promise<{ a: PeerProcess; b: PeerProcess; mark: { a: number; b: number } }> {
  await lab.games('a', games);
  const a = await lab.start('a');
  const b = await lab.start('b');
  await link(b, a);
  return { a, b, mark: { a: a.events.length, b: b.events.length } };
}

/** The link stayed up: no peer came or went on either side, and b still lists a once. */
async function assertSameSession(
  a: PeerProcess,
  b: PeerProcess,
  mark: { a: number; b: number },
): Promise<void> {
  const churn = (peer: PeerProcess, from: number): string[] =>
    peer.events
      .slice(from)
      .filter((e) => e.event === 'peer-lost' || e.event === 'peer-connected')
      .map((e) => String(e.event));
  assert.deepEqual(churn(a, mark.a), [], 'a saw the link drop or reconnect');
  assert.deepEqual(churn(b, mark.b), [], 'b saw the link drop or reconnect');
  assert.deepEqual(
    (await listPeers(b)).map((p) => p.peer_id),
    [a.peerId],
  );
}

/** b's `remote-library-changed` events about a since `from`: the deltas it received. */
function deltasFrom(b: PeerProcess, a: PeerProcess, from: number): Json[] {
  return b.events
    .slice(from)
    .filter((e) => e.event === 'remote-library-changed' && e.peer_id === a.peerId);
}

scenario('S21', 'add-game propagation (a root dropped into the games folder)', async (lab) => {
  const { a, b, mark } = await linkedPair(lab, ALPHA);
  assert.ok(lacks('cod5')((await listGames(b)).remote));
  const started = Date.now();
  await writeFixtureGame(lab.gamesDir('a'), smallGame('cod5'));
  const committed = Date.now();
  const { rows, at } = await untilRemote(b, has('cod5'));
  const cod5 = rows.find((r) => r.id === 'cod5')!;
  assert.equal(cod5.peer_count, 1);
  assert.equal(cod5.eti_game_version, CATALOG_VERSION);
  await assertSameSession(a, b, mark);
  const deltas = deltasFrom(b, a, mark.b).length;
  return (
    `cod5 written into a's games folder (${committed - started} ms, version.ini last); b listed ` +
    `cod5=1 at ${cod5.eti_game_version} ${at - committed} ms after version.ini, by ${deltas} ` +
    `library update(s) on the same session (no peer-lost/peer-connected on either side); ` +
    `b's remote rows now ${remoteCounts(rows)}`
  );
});

scenario('S22', 'remove-game propagation (a root deleted from the games folder)', async (lab) => {
  const { a, b, mark } = await linkedPair(lab, [...ALPHA, smallGame('cod5')]);
  assert.ok(has('cod5')((await listGames(b)).remote), 'b lists cod5 before the removal');
  const started = Date.now();
  await rm(join(lab.gamesDir('a'), 'cod5'), { recursive: true });
  const removed = Date.now();
  const { rows, at } = await untilRemote(b, lacks('cod5'));
  await assertSameSession(a, b, mark);
  const aOnB = (await listPeers(b))[0]!;
  assert.ok(!aOnB.games.some((g) => g.id === 'cod5'), 'b still has cod5 in a’s library');
  return (
    `rm -rf of a's cod5 root (${removed - started} ms); b dropped cod5 from list-games ` +
    `${at - removed} ms later, peer a kept with ${aOnB.games.length} games (no peer-lost/` +
    `peer-connected on either side); b's remote rows now ${remoteCounts(rows)}`
  );
});

scenario(
  'S23',
  'version bump propagation (version.ini to and from the catalog version)',
  async (lab) => {
    const { a, b, mark } = await linkedPair(lab, [...ALPHA, smallGame('cnc4', STALE)]);
    const stale = (await listPeers(b))[0]!.games.find((g) => g.id === 'cnc4');
    assert.equal(stale?.eti_game_version, STALE, 'b knows a has cnc4 at the stale version');
    assert.notEqual(stale.availability, 'Ready');
    assert.ok(lacks('cnc4')((await listGames(b)).remote), 'the stale cnc4 is not offered');
    const versionIni = join(lab.gamesDir('a'), 'cnc4', 'version.ini');

    await writeFile(versionIni, `${CATALOG_VERSION}\n`);
    const bumped = Date.now();
    const up = await untilRemote(b, has('cnc4'));
    const row = up.rows.find((r) => r.id === 'cnc4')!;
    assert.equal(row.eti_game_version, CATALOG_VERSION);
    assert.equal(row.peer_count, 1);

    await writeFile(versionIni, `${STALE}\n`);
    const back = Date.now();
    const down = await untilRemote(b, lacks('cnc4'));
    await assertSameSession(a, b, mark);
    return (
      `stale cnc4 (${STALE}) known to b but not offered; version.ini rewritten to ` +
      `${CATALOG_VERSION}: b offered cnc4=1 at ${row.eti_game_version} after ` +
      `${up.at - bumped} ms; back to ${STALE}: withdrawn after ${down.at - back} ms; one session ` +
      `throughout (${deltasFrom(b, a, mark.b).length} library update(s), no peer-lost/peer-connected)`
    );
  },
);

scenario(
  'S21',
  'write storm: an incomplete root and an install do not flood the peers',
  async (lab) => {
    const { a, b, mark } = await linkedPair(lab, ALPHA);
    const games = lab.gamesDir('a');
    const started = Date.now();
    // A root being filled without its version.ini (as a copy in progress), and an install's files.
    await mkdir(join(games, 'cod5', 'data'), { recursive: true });
    await mkdir(join(games, 'ggoo', 'local'), { recursive: true });
    for (let i = 0; i < 2_000; i++) {
      await writeFile(join(games, 'cod5', `part${i}.dat`), `cod5 ${i}\n`);
      await writeFile(join(games, 'ggoo', 'local', `file${i}.bin`), `ggoo ${i}\n`);
    }
    const stormMs = Date.now() - started;
    // Let the last debounced rescan land.
    await sleep(1_500);
    const localChanges = a.events.slice(mark.a).filter((e) => e.event === 'local-library-changed');
    const deltas = deltasFrom(b, a, mark.b);
    assert.ok(localChanges.length >= 1, 'a noticed the new root and the install');
    // At most one per max wait (2 s) of the storm, plus the trailing one and a margin.
    const bound = Math.ceil(stormMs / 2_000) + 2;
    assert.ok(localChanges.length <= bound, `a rescanned ${localChanges.length} times`);
    assert.ok(deltas.length <= bound, `b got ${deltas.length} updates`);
    const readyCod5 = deltas.some((e) =>
      (e.games as GameRow[]).some((g) => g.id === 'cod5' && g.availability === 'Ready'),
    );
    assert.ok(!readyCod5, 'an incomplete root was advertised as Ready');
    assert.ok(lacks('cod5')((await listGames(b)).remote));
    const aOnB = (await listPeers(b))[0]!;
    assert.equal(aOnB.games.find((g) => g.id === 'ggoo')?.installed, true);

    // The watch still works after the storm: committing version.ini makes cod5 Ready for b.
    await writeFile(join(games, 'cod5', 'version.ini'), `${CATALOG_VERSION}\n`);
    const committed = Date.now();
    const { at } = await untilRemote(b, has('cod5'));
    await assertSameSession(a, b, mark);
    return (
      `4,000 files written in ${stormMs} ms (2,000 into a new root without version.ini, 2,000 ` +
      `into ggoo/local/): a emitted ${localChanges.length} local-library-changed, b got ` +
      `${deltas.length} update(s) (at most ${bound} allowed), cod5 never Ready; its version.ini then made it listed on b in ` +
      `${at - committed} ms`
    );
  },
);

scenario('S21', 'after set-game-dir the new folder is the one watched', async (lab) => {
  const { a, b, mark } = await linkedPair(lab, ALPHA);
  const other = join(lab.root, 'other-games');
  await mkdir(other, { recursive: true });
  await a.cmd('set-game-dir', { path: other });
  await untilRemote(b, (rows) => rows.length === 0);
  // A root dropped into the old folder is no longer ours; one in the new folder is.
  await writeFixtureGame(lab.gamesDir('a'), smallGame('cod5'));
  await writeFixtureGame(other, smallGame('cnc4'));
  const committed = Date.now();
  const { rows, at } = await untilRemote(b, has('cnc4'));
  await sleep(700);
  const settled = (await listGames(b)).remote;
  assert.equal(remoteCounts(settled), 'cnc4=1', 'only the new folder’s root is offered');
  await assertSameSession(a, b, mark);
  return (
    `set-game-dir to a fresh folder; cnc4 dropped there was listed on b after ${at - committed} ms ` +
    `(${remoteCounts(rows)}); cod5 dropped into the old folder was not offered`
  );
});
