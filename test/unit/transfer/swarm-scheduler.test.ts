import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChunkTask } from '../../../src/transfer/chunk-planner.js';
import { CHUNK_BUSY_REST_MS, ChunkScheduler } from '../../../src/transfer/chunk-scheduler.js';
import { chunkTasks } from '../../support/chunk-tasks.js';

const CHUNK = 100;

const tasks = (count: number): ChunkTask[] => chunkTasks(count, CHUNK);

const keys = (...indexes: number[]): Set<string> =>
  new Set(indexes.map((i) => `big.eti@${i * CHUNK}`));

test('the plan starts at the given chunk and wraps around', () => {
  const s = new ChunkScheduler<string>(tasks(4), ['seed'], { inFlightPerSource: 4, start: 2 });
  assert.deepEqual(
    [s.next('seed'), s.next('seed'), s.next('seed'), s.next('seed')].map((t) => t?.offset),
    [200, 300, 0, 100],
  );
});

test('a partial source is asked only for chunks it holds, and learns new ones', () => {
  const s = new ChunkScheduler<string>(tasks(4), ['seed'], { inFlightPerSource: 2 });
  assert.equal(s.setHolding('p', keys(2)), true, 'a new source');
  assert.equal(s.isPartial('p'), true);
  assert.equal(s.next('p')?.offset, 200);
  assert.equal(s.next('p'), undefined, 'it holds nothing else');
  assert.equal(s.setHolding('p', keys(2, 3)), false, 'known already');
  assert.equal(s.next('p')?.offset, 300);
});

test('rarest first: a partial source takes the chunk the fewest others hold', () => {
  const s = new ChunkScheduler<string>(tasks(3), ['seed'], { inFlightPerSource: 2 });
  s.setHolding('p', keys(0, 1, 2));
  s.setHolding('q', keys(0, 1));
  s.setHolding('r', keys(0));
  assert.equal(s.next('p')?.offset, 200, 'only p holds chunk 2');
  assert.equal(s.next('p')?.offset, 100, 'then the one two hold');
});

test('a complete source leaves a chunk to a free partial holder and takes what nobody has', () => {
  const s = new ChunkScheduler<string>(tasks(3), ['seed'], { inFlightPerSource: 2 });
  s.setHolding('p', keys(0, 1));
  const task = s.next('seed');
  assert.equal(task?.offset, 200, 'chunk 2 is held by no partial peer');
  assert.equal(s.next('seed'), undefined, 'one chunk at a time while partial sources exist');
  s.succeeded(task, 'seed');
  assert.equal(s.next('seed'), undefined, 'p has room for chunks 0 and 1');
  assert.equal(s.next('p')?.offset, 0);
  assert.equal(s.next('p')?.offset, 100);
});

test('a complete source leaves a chunk to a busy partial holder: the seeder sends each once', () => {
  const s = new ChunkScheduler<string>(tasks(4), ['seed'], { inFlightPerSource: 1 });
  s.setHolding('p', keys(0, 1, 2));
  assert.ok(s.next('p'));
  const fromSeed = s.next('seed');
  assert.equal(fromSeed?.offset, 300, 'the one p does not hold');
  s.succeeded(fromSeed, 'seed');
  assert.equal(s.next('seed'), undefined, 'p is busy, yet holds the rest');
});

test('an idle partial holder takes over a chunk a complete source has sent less than half of', () => {
  const s = new ChunkScheduler<string>(tasks(2), ['seed'], { inFlightPerSource: 1 });
  s.setHolding('p', new Set());
  const slow = s.next('seed');
  assert.equal(slow?.offset, 0);
  s.progress(slow, 'seed', 30);
  s.setHolding('p', keys(0));
  const swapped = s.next('p');
  assert.equal(swapped?.key, slow?.key, 'the partial peer takes it over');
  s.succeeded(slow, 'seed');
  assert.equal(s.done, false, "the seed's late report is ignored");
  s.succeeded(swapped, 'p');
  const last = s.next('seed');
  s.succeeded(last!, 'seed');
  assert.equal(s.done, true);
});

test('no take-over of a chunk a complete source has sent half of', () => {
  const s = new ChunkScheduler<string>(tasks(1), ['seed'], { inFlightPerSource: 1 });
  s.setHolding('p', new Set());
  const task = s.next('seed');
  s.progress(task!, 'seed', 50);
  s.setHolding('p', keys(0));
  assert.equal(s.next('p'), undefined);
});

test('chunk-not-here: the chunk goes back untried and the source is not asked for it again', () => {
  const s = new ChunkScheduler<string>(tasks(1), ['seed'], { inFlightPerSource: 1 });
  s.setHolding('p', keys(0));
  const task = s.next('p');
  assert.ok(task);
  s.notHeld(task, 'p');
  assert.equal(s.next('p'), undefined);
  assert.equal(s.next('seed')?.key, task.key);
});

test('partial sources alone: stuck once none holds a chunk still wanted', () => {
  const s = new ChunkScheduler<string>(tasks(2), ['seed'], { inFlightPerSource: 1 });
  s.setHolding('p', keys(0));
  s.dropSource('seed');
  assert.equal(s.stuck, false, 'p holds chunk 0');
  const task = s.next('p');
  s.succeeded(task!, 'p');
  assert.equal(s.stuck, true, 'nobody holds chunk 1');
  assert.equal(s.setHolding('seed', 'all'), false, 'a dropped source is not taken back');
});

test('a partial source that completes holds everything', () => {
  const s = new ChunkScheduler<string>(tasks(2), ['seed'], { inFlightPerSource: 2 });
  s.setHolding('p', new Set());
  s.setHolding('p', 'all');
  assert.equal(s.isPartial('p'), false);
  assert.ok(s.next('p'));
  assert.ok(s.next('p'));
});

test('a complete source is asked for what no other downloader fetches from one', () => {
  const s = new ChunkScheduler<string>(tasks(3), ['seed'], { inFlightPerSource: 2 });
  s.setHolding('p', new Set(), keys(0));
  s.setHolding('q', new Set(), keys(1));
  assert.equal(s.next('seed')?.offset, 200, 'chunks 0 and 1 are on their way to p and q');
});

test('end game: a chunk another downloader fetches is taken only with nothing in flight here', () => {
  const s = new ChunkScheduler<string>(tasks(2), ['seed'], { inFlightPerSource: 2 });
  s.setHolding('p', keys(1), keys(0));
  const fromP = s.next('p');
  assert.equal(fromP?.offset, 100);
  assert.equal(s.next('seed'), undefined, 'p fetches chunk 0 and this download is busy');
  s.succeeded(fromP, 'p');
  assert.equal(s.next('seed')?.offset, 0, 'nothing in flight here: the seed sends it too');
});

test('two downloaders that picked the same chunk split up: the greater id yields', () => {
  const s = new ChunkScheduler<string>(tasks(2), ['seed'], { inFlightPerSource: 1 });
  s.setHolding('p', new Set());
  const mine = s.next('seed');
  assert.equal(mine?.offset, 0);
  s.progress(mine, 'seed', 10);
  s.setHolding('p', new Set(), keys(0));
  assert.deepEqual(
    s.yieldCollisions((other) => other > 'zz'),
    [],
    'p comes after us: we keep it',
  );
  assert.deepEqual(
    s.yieldCollisions((other) => other < 'zz').map((t) => t.offset),
    [0],
    'p comes first: we let it go',
  );
  assert.equal(s.next('seed')?.offset, 100, 'the seed is asked for the other chunk');
  s.succeeded(mine, 'seed');
  assert.equal(s.bytesDone, 0, "the yielded transfer's late report is ignored");
});

test('a collision is not undone once half the chunk has come', () => {
  const s = new ChunkScheduler<string>(tasks(1), ['seed'], { inFlightPerSource: 1 });
  s.setHolding('p', new Set());
  const mine = s.next('seed');
  s.progress(mine!, 'seed', 50);
  s.setHolding('p', new Set(), keys(0));
  assert.deepEqual(
    s.yieldCollisions(() => true),
    [],
  );
});

test('a partial source relays what it fetches, after its verified chunks; the seeder takes the rest', () => {
  const s = new ChunkScheduler<string>(tasks(4), ['seed'], { inFlightPerSource: 2 });
  s.setHolding('p', keys(0), keys(1));
  assert.equal(s.relays('p', 'big.eti@100'), true, 'chunk 1 only in flight at p');
  assert.equal(s.relays('p', 'big.eti@0'), false, 'chunk 0 verified at p');
  assert.equal(s.next('p')?.offset, 0, 'verified first, though two peers will hold chunk 1');
  assert.equal(s.next('p')?.offset, 100, 'then the one it relays as it arrives there');
  assert.equal(s.next('seed')?.offset, 200, 'the seeder sends what nobody has or gets');
});

test('a relay that ended without the chunk: back to the queue untried, not asked of it again', () => {
  const s = new ChunkScheduler<string>(tasks(2), ['seed'], { inFlightPerSource: 1 });
  s.setHolding('p', new Set(), keys(1));
  const task = s.next('p');
  assert.equal(task?.offset, 100);
  s.notHeld(task, 'p');
  assert.equal(s.relays('p', 'big.eti@100'), false);
  assert.equal(s.next('p'), undefined, 'p holds and fetches nothing now');
  assert.equal(s.liveSources.includes('p'), true, 'no fault of p');
  s.setHolding('p', new Set(), keys(0));
  assert.equal(s.next('p')?.offset, 0, 'its next advert shows it fetching another');
  assert.equal(s.next('seed')?.offset, 100, 'the one that failed there, first, from the seeder');
});

test('an idle partial source takes over only what it verified, never a chunk it relays', () => {
  const now = 0;
  const s = new ChunkScheduler<string>(tasks(1), ['seed'], {
    inFlightPerSource: 1,
    now: () => now,
  });
  const task = s.next('seed');
  assert.equal(task?.offset, 0);
  s.setHolding('p', new Set(), keys(0));
  assert.equal(s.next('p'), undefined, 'the seeder keeps it; p relaying it would only race');
  s.setHolding('p', keys(0));
  assert.equal(s.next('p')?.offset, 0, 'verified at p: p takes it over');
});

test('a crawling relay is not taken over by a source that would only relay it too', () => {
  let now = 0;
  const s = new ChunkScheduler<string>(tasks(3), ['seed'], {
    inFlightPerSource: 1,
    now: () => now,
  });
  s.setHolding('p', new Set(), keys(0));
  s.setHolding('q', keys(2), keys(0));
  const relayed = s.next('p');
  assert.equal(relayed?.offset, 0, 'relayed from p as it arrives there');
  const fromSeed = s.next('seed');
  const fromQ = s.next('q');
  assert.deepEqual([fromSeed?.offset, fromQ?.offset], [100, 200]);
  now = 1_000;
  if (fromSeed === undefined || fromQ === undefined || relayed === undefined) return;
  s.succeeded(fromSeed, 'seed');
  s.succeeded(fromQ, 'q');
  now = 10_000;
  s.progress(relayed, 'p', 10);
  assert.equal(
    s.next('q'),
    undefined,
    'q would relay it too, restarting it at its own source’s pace',
  );
  s.setHolding('q', keys(0, 2));
  assert.equal(s.next('q')?.offset, 0, 'verified at q, it is taken from the crawling relay');
});

test('relay chains are one link long: a relay of a relay is not relayed on', () => {
  const s = new ChunkScheduler<string>(tasks(4), ['seed'], { inFlightPerSource: 2 });
  // p verified chunk 0, fetches 1 from a holder and relays 2 from a relay.
  s.setHolding('p', keys(0), keys(1), keys(2));
  assert.deepEqual(
    [0, 1, 2].map((i) => s.relays('p', `big.eti@${i * CHUNK}`)),
    [false, true, true],
  );
  assert.deepEqual(
    [0, 1, 2].map((i) => s.relayable('p', `big.eti@${i * CHUNK}`)),
    [true, true, false],
    'from p, chunks 0 and 1 may be relayed on from here; chunk 2 not',
  );
  assert.equal(s.relayable('seed', 'big.eti@300'), true, 'a complete source holds everything');
  assert.equal(s.next('seed')?.offset, 300, 'chunks p has or gets are left to it');
});

test('chunk-busy: the source is not asked for that chunk for a while; the others take it', () => {
  let now = 0;
  const s = new ChunkScheduler<string>(tasks(2), ['seed'], {
    inFlightPerSource: 1,
    now: () => now,
  });
  s.setHolding('p', keys(0, 1));
  const task = s.next('p');
  assert.equal(task?.offset, 0);
  s.busy(task, 'p');
  const other = s.next('p');
  assert.equal(other?.offset, 100, 'p is asked for another chunk');
  s.setHolding('q', new Set(), keys(0));
  assert.equal(s.next('seed'), undefined, 'the seeder leaves chunk 0 to p and its relay q');
  assert.equal(s.next('q')?.offset, 0, 'q, which p sends it to, relays it');
  s.failed(task, 'q');
  s.setHolding('q', new Set());
  now += CHUNK_BUSY_REST_MS - 1;
  s.succeeded(other, 'p');
  assert.equal(s.next('p'), undefined, 'p still rests for chunk 0');
  now += 1;
  assert.equal(s.next('p')?.offset, 0, 'after the rest p is asked again');
  assert.equal(s.stuck, false);
});
