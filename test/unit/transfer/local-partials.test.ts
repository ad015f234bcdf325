import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GameId, GameVersion } from '../../../src/ids.js';
import { HaveMap, type Manifest, type PartialHoldings } from '../../../src/protocol/index.js';
import { CHUNK_FAN_OUT, LocalPartials } from '../../../src/transfer/local-partials.js';

const MIB = 1024 * 1024;
const CHUNK = 32 * MIB;
const GAME = 'alienswarm' as GameId;

const manifest: Manifest = {
  t: 'manifest',
  game: GAME,
  version: '20250101' as GameVersion,
  chunk_size: CHUNK,
  files: [{ path: 'a.eti', size: 3 * CHUNK, chunks: ['1', '2', '3'].map((c) => c.repeat(64)) }],
};

/** A peer that holds the chunks: what it sends here is fetching, relayed on. */
const FROM = { peer: 'seeder', relayed: false };

test('a holding is sent at once, then maps the chunks in flight until they are verified', () => {
  const sent: Pick<PartialHoldings, 'upsert' | 'remove'>[] = [];
  const partials = new LocalPartials((change) => sent.push(change));
  try {
    const handle = partials.hold(GAME, '20250101' as GameVersion, '/tmp/x', manifest, []);
    assert.ok(handle);
    assert.equal(sent.length, 1, 'no wait for the batch: sources see the swarm before a request');
    assert.equal(sent[0]?.upsert[0]?.fetching, undefined, 'nothing in flight: no map');
    const flight = handle.fetch(`a.eti@${CHUNK}`, CHUNK, FROM);
    partials.flush();
    const inFlight = HaveMap.decode(sent[1]?.upsert[0]?.fetching ?? '', 3);
    assert.deepEqual(
      [0, 1, 2].map((i) => inFlight?.has(i)),
      [false, true, false],
    );
    flight.verify();
    handle.verified(`a.eti@${CHUNK}`);
    partials.flush();
    const last = sent[2]?.upsert[0];
    assert.equal(last?.fetching, undefined, 'a verified chunk is no longer in flight');
    assert.equal(HaveMap.decode(last?.have ?? '', 3)?.has(1), true);
    handle.end();
    partials.flush();
    assert.deepEqual(sent[3]?.remove, [GAME]);
  } finally {
    partials.close();
  }
});

test('a chunk in flight is found for relays; a later flight replaces it, the end fails them all', () => {
  const sent: Pick<PartialHoldings, 'upsert' | 'remove'>[] = [];
  const partials = new LocalPartials((change) => sent.push(change));
  try {
    const handle = partials.hold(GAME, '20250101' as GameVersion, '/tmp/x', manifest, []);
    assert.ok(handle);
    const game = partials.get(GAME);
    const first = handle.fetch(`a.eti@${2 * CHUNK}`, CHUNK, FROM);
    assert.equal(game?.flight('a.eti', 2 * CHUNK + 5), first, 'any offset inside the chunk');
    assert.equal(game?.flight('a.eti', 0), undefined);
    const second = handle.fetch(`a.eti@${2 * CHUNK}`, CHUNK, FROM);
    assert.equal(first.ended && !first.verified, true, 'the earlier flight failed');
    assert.equal(game?.flight('a.eti', 2 * CHUNK), second);
    partials.flush();
    assert.equal(HaveMap.decode(sent.at(-1)?.upsert[0]?.fetching ?? '', 3)?.has(2), true);
    first.fail();
    assert.equal(game?.flight('a.eti', 2 * CHUNK), second, 'the old one ending leaves the new');
    second.fail();
    partials.flush();
    assert.equal(game?.flight('a.eti', 2 * CHUNK), undefined);
    assert.equal(sent.at(-1)?.upsert[0]?.fetching, undefined, 'a failed flight is not advertised');
    const third = handle.fetch(`a.eti@0`, CHUNK, FROM);
    handle.end();
    assert.equal(third.ended && !third.verified, true, 'the download ended: its relays end');
  } finally {
    partials.close();
  }
});

test('a chunk from a relay is advertised as relaying, apart from those fetched from a holder', () => {
  const sent: Pick<PartialHoldings, 'upsert' | 'remove'>[] = [];
  const partials = new LocalPartials((change) => sent.push(change));
  try {
    const handle = partials.hold(GAME, '20250101' as GameVersion, '/tmp/x', manifest, []);
    assert.ok(handle);
    handle.fetch(`a.eti@0`, CHUNK, FROM);
    const relayed = handle.fetch(`a.eti@${2 * CHUNK}`, CHUNK, { peer: 'c2', relayed: true });
    partials.flush();
    const holding = sent.at(-1)?.upsert[0];
    const maps = [holding?.fetching, holding?.relaying].map((m) => HaveMap.decode(m ?? '', 3));
    assert.deepEqual(
      maps.map((m) => [0, 1, 2].map((i) => m?.has(i))),
      [
        [true, false, false],
        [false, false, true],
      ],
    );
    assert.equal(partials.get(GAME)?.flight('a.eti', 2 * CHUNK), relayed, 'it is served too');
    relayed.fail();
    partials.flush();
    assert.equal(sent.at(-1)?.upsert[0]?.relaying, undefined, 'none left: no map');
  } finally {
    partials.close();
  }
});

test(`a chunk is counted as sent to ${CHUNK_FAN_OUT} peers at most; each end frees its place once`, () => {
  const partials = new LocalPartials(() => undefined);
  try {
    assert.ok(partials.hold(GAME, '20250101' as GameVersion, '/tmp/x', manifest, []));
    const game = partials.get(GAME);
    const ends = Array.from({ length: CHUNK_FAN_OUT }, () => game?.send('a.eti', CHUNK + 7));
    assert.ok(ends.every((end) => typeof end === 'function'));
    assert.equal(game?.send('a.eti', CHUNK), null, 'the same chunk, any offset in it');
    assert.equal(typeof game?.send('a.eti', 0), 'function', 'another chunk is counted apart');
    ends[0]?.();
    ends[0]?.();
    const again = game?.send('a.eti', CHUNK);
    assert.equal(typeof again, 'function', 'one place came free');
    assert.equal(game?.send('a.eti', CHUNK), null, 'and only one');
  } finally {
    partials.close();
  }
});
