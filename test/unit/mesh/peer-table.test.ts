import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GameId, GameVersion, PeerId, SoftwareVersion } from '../../../src/ids.js';
import { PeerTable } from '../../../src/mesh/index.js';
import type { WireGame } from '../../../src/protocol/index.js';

const BRAVO = 'b'.repeat(64) as PeerId;
const SW = '0.1.0' as SoftwareVersion;
const game = (id: string, version = '20250101'): WireGame => ({
  id: id as GameId,
  version: version as GameVersion,
  downloaded: true,
  installed: false,
  servable: true,
  size: 10,
});

test('S28: a known id at a new address updates the record in place and keeps its library', () => {
  const table = new PeerTable();
  assert.equal(
    table.upsert(BRAVO, {
      name: 'bravo',
      software: SW,
      addr: '10.0.0.2:4000',
      library: [game('ggoo'), game('cnc4')],
      nowMs: 1,
    }),
    'added',
  );
  // Restarted with another build: its new hello's release replaces the old one.
  const outcome = table.upsert(BRAVO, {
    name: 'bravo',
    software: '0.2.0' as SoftwareVersion,
    addr: '10.0.0.2:5000',
    library: [game('ggoo'), game('cnc4')],
    nowMs: 2,
  });
  assert.equal(outcome, 'address-changed');
  assert.equal(table.size, 1, 'no duplicate entry');
  const record = table.get(BRAVO)!;
  assert.equal(record.addr, '10.0.0.2:5000');
  assert.equal(record.software, '0.2.0');
  assert.deepEqual([...record.library.keys()], ['ggoo', 'cnc4']);
  assert.equal(table.findByAddr('10.0.0.2:4000'), undefined);
  assert.equal(table.findByAddr('10.0.0.2:5000')?.peerId, BRAVO);
});

test('a delta upserts and removes games of a known peer only', () => {
  const table = new PeerTable();
  table.upsert(BRAVO, {
    name: 'bravo',
    software: SW,
    addr: 'h:1',
    library: [game('ggoo'), game('cnc4')],
    nowMs: 1,
  });
  assert.equal(
    table.applyDelta(
      BRAVO,
      { upsert: [game('cnc4', '20260101'), game('css')], remove: ['ggoo' as GameId] },
      5,
    ),
    true,
  );
  const record = table.get(BRAVO)!;
  assert.deepEqual([...record.library.keys()].sort(), ['cnc4', 'css']);
  assert.equal(record.library.get('cnc4' as GameId)?.version, '20260101');
  assert.equal(record.lastSeenMs, 5);
  assert.equal(
    table.applyDelta('c'.repeat(64) as PeerId, { upsert: [game('x')], remove: [] }, 6),
    false,
  );
});

test('removing a peer drops it and its games', () => {
  const table = new PeerTable();
  table.upsert(BRAVO, {
    name: 'bravo',
    software: SW,
    addr: 'h:1',
    library: [game('ggoo')],
    nowMs: 1,
  });
  assert.equal(table.remove(BRAVO)?.peerId, BRAVO);
  assert.equal(table.size, 0);
  assert.equal(table.get(BRAVO), undefined);
});

test('games not worth keeping are not held, from the hello or from deltas', () => {
  const table = new PeerTable((g) => g.id !== 'unknown-a' && g.id !== 'unknown-b');
  table.upsert(BRAVO, {
    name: 'bravo',
    software: SW,
    addr: '10.0.0.2:4000',
    library: [game('ggoo'), game('unknown-a')],
    nowMs: 1,
  });
  table.applyDelta(BRAVO, { upsert: [game('unknown-b'), game('cnc4')], remove: [] }, 2);
  assert.deepEqual([...table.get(BRAVO)!.library.keys()], ['ggoo', 'cnc4']);
});
