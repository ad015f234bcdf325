import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GameId, GameVersion } from '../../src/ids.js';
import { loadOrCreateIdentity } from '../../src/identity/index.js';
import { parseHostPort } from '../../src/host-port.js';
import { silentLogger } from '../../src/logger.js';
import { Transport } from '../../src/net/index.js';
import type { WireMessage } from '../../src/protocol/index.js';
import { Asker, refusal } from './harness/asker.js';
import { startFakePeer } from './harness/fake-peer.js';
import { CATALOG_VERSION, smallGame } from './harness/fixtures.js';
import { scenario } from './harness/lab.js';
import type { PeerProcess } from './harness/peer-process.js';

const VERSION = CATALOG_VERSION as GameVersion;
const CHUNK_SIZE = 1024 * 1024;

const manifestOf = (game: string, version = VERSION): WireMessage => ({
  t: 'get-manifest',
  game: game as GameId,
  version,
  chunk_size: CHUNK_SIZE,
});

const chunkOf = (path: string, length: number): WireMessage => ({
  t: 'get-chunk',
  game: 'alienswarm' as GameId,
  version: VERSION,
  path,
  offset: 0,
  length,
});

/** Holds `game` busy on `server`: a download from a source that never answers. */
async function holdBusy(server: PeerProcess, stateDir: string, game: string): Promise<() => void> {
  const ready = { id: game as GameId, version: VERSION, downloaded: true, installed: false };
  const silent = await startFakePeer(
    stateDir,
    'silent',
    [{ ...ready, servable: true, size: 14 }],
    () => undefined,
  );
  await server.cmd('connect', { addr: silent.addr });
  void server.request('download', { game, install: false }, 120_000).catch(() => undefined);
  for (let i = 0; ; i++) {
    const status = await server.cmd<{ active_operations: { game: string }[] }>('status');
    if (status.active_operations.some((op) => op.game === game)) break;
    assert.ok(i < 100, `${game} never became busy`);
    await sleep(50);
  }
  return () => void silent.close();
}

scenario('S12', 'serving gates over the wire: each refusal answered, none counted', async (lab) => {
  await lab.games('server', [
    smallGame('alienswarm'),
    smallGame('bf1942', null),
    smallGame('ggoo', '20240101'),
  ]);
  const server = await lab.start('server');
  const release = await holdBusy(server, join(lab.root, 'silent-state'), 'cnctw');
  const identity = await loadOrCreateIdentity(join(lab.root, 'asker-state'), silentLogger);
  const transport = new Transport({ identity, log: silentLogger });
  try {
    const { host, port } = parseHostPort(server.addr);
    const asker = new Asker(await transport.dial(host, port, { role: 'transfer' }));
    const refusals: [string, WireMessage, string][] = [
      ['not ready (no version.ini)', manifestOf('bf1942'), 'serve-not-ready'],
      ['stale (an older version.ini)', manifestOf('ggoo'), 'serve-not-ready'],
      ['unknown (not in the catalog)', manifestOf('nosuchgame'), 'serve-unknown-game'],
      [
        'wrong version asked',
        manifestOf('alienswarm', '20240101' as GameVersion),
        'serve-version-mismatch',
      ],
      ['busy (a download runs on it)', manifestOf('cnctw'), 'serve-busy'],
      ['path into local/', chunkOf('local/fixture-payload.txt', 1), 'serve-bad-path'],
      ['path into .lanspread/', chunkOf('.lanspread/download.json', 1), 'serve-bad-path'],
      ['path out of the root', chunkOf('../ggoo/notes.txt', 1), 'serve-bad-path'],
      ['missing file', chunkOf('missing.txt', 1), 'serve-bad-path'],
      ['range past the end', chunkOf('notes.txt', 301), 'serve-bad-path'],
    ];
    const seen: string[] = [];
    for (const [what, question, code] of refusals) {
      const answer = await asker.ask(question);
      assert.equal(refusal(answer), code, what);
      assert.equal(asker.dataBytes, 0, `${what}: no bytes sent`);
      seen.push(`${what} -> ${code}`);
    }
    // The same connection still serves a Ready game: the refusals left it usable.
    assert.equal((await asker.ask(manifestOf('alienswarm'))).t, 'manifest');
    const served = await asker.ask(chunkOf('notes.txt', 300));
    assert.equal(served.t, 'chunk');
    while (asker.dataBytes < 300) await sleep(10);
    asker.close();
    await server.waitEvent((e) => e.event === 'outbound-transfer-finished', 10_000);
    const counted = server.events
      .filter((e) => e.event === 'outbound-transfer-finished')
      .map((e) => e.game);
    assert.deepEqual(counted, ['alienswarm'], 'only the game served was an outbound transfer');
    return `${seen.join('; ')}; then alienswarm served on the same connection; outbound-transfer-finished only for it`;
  } finally {
    release();
    await transport.close();
  }
});
