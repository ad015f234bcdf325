import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openCatalog } from '../../../src/catalog/index.js';
import type { GameId, GameVersion, PeerId } from '../../../src/ids.js';
import { PeerTable, aggregateRemote } from '../../../src/mesh/index.js';
import type { WireGame } from '../../../src/protocol/index.js';

const catalog = await openCatalog();
const wire = (id: string, over: Partial<WireGame> = {}): WireGame => ({
  id: id as GameId,
  version: '20250101' as GameVersion,
  downloaded: true,
  installed: false,
  servable: true,
  size: 100,
  ...over,
});
const peerId = (n: number): PeerId => n.toString(16).padStart(64, '0') as PeerId;

function table(libraries: WireGame[][]): PeerTable {
  const t = new PeerTable();
  libraries.forEach((library, i) =>
    t.upsert(peerId(i + 1), {
      name: `p${i}`,
      software: null,
      addr: `127.0.0.1:${4000 + i}`,
      library,
      nowMs: 0,
    }),
  );
  return t;
}

test('one row per catalog id, counting each peer that has it Ready', () => {
  const rows = aggregateRemote(
    table([
      [wire('ggoo'), wire('alienswarm')],
      [wire('ggoo'), wire('bfbc2')],
    ]).list(),
    catalog,
  );
  assert.deepEqual(
    rows.map((r) => [r.game.id, r.sources.length]),
    [
      ['alienswarm', 1],
      ['bfbc2', 1],
      ['ggoo', 2],
    ],
  );
});

test('stale versions, unknown ids and unservable roots are never sources', () => {
  const rows = aggregateRemote(
    table([
      [wire('ggoo', { version: '20240101' as GameVersion })],
      [
        wire('mystery-game'),
        wire('cnc4', { servable: false }),
        wire('css', { version: null, downloaded: false, installed: true, servable: false }),
      ],
      [wire('ggoo')],
    ]).list(),
    catalog,
  );
  assert.deepEqual(
    rows.map((r) => [r.game.id, r.sources.map((s) => s.peerId)]),
    [['ggoo', [peerId(3)]]],
  );
});

test('the row carries the catalog version and name, whatever the peers say', () => {
  const [row] = aggregateRemote(
    table([[wire('cnctw', { size: 5 })], [wire('cnctw', { size: 7 })]]).list(),
    catalog,
  );
  assert.equal(row?.game.version, catalog.get('cnctw')?.version);
  assert.equal(row?.game.name, catalog.get('cnctw')?.name);
  assert.equal(row?.size, 7);
});
