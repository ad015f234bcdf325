import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseHostPort } from '../../src/host-port.js';
import type { GameId, GameVersion } from '../../src/ids.js';
import { loadOrCreateIdentity } from '../../src/identity/index.js';
import { silentLogger } from '../../src/logger.js';
import { Transport } from '../../src/net/index.js';
import { CHUNK_SIZES, type WireMessage } from '../../src/protocol/index.js';
import { Asker, refusal } from './harness/asker.js';
import { download, link } from './harness/assertions.js';
import { bigGame, CATALOG_VERSION } from './harness/fixtures.js';
import { scenario } from './harness/lab.js';
import type { PeerProcess } from './harness/peer-process.js';

const GAME = 'cnctw' as GameId;
const VERSION = CATALOG_VERSION as GameVersion;
const MIB = 1024 * 1024;
const GAME_MIB = 16;
/** What a thrashing requester would cycle through: the served sizes among many others. */
const ROTATION = [MIB, 2 * MIB, 32 * MIB, 3 * MIB, 64 * 1024, 4 * MIB, 16 * MIB, 5 * MIB, 8 * MIB];
const ROUNDS = 3;

const manifestAt = (chunkSize: number): WireMessage => ({
  t: 'get-manifest',
  game: GAME,
  version: VERSION,
  chunk_size: chunkSize,
});

/** The server's log records with this message, as written to its stderr so far. */
async function logged(lab: { root: string }, msg: string): Promise<number> {
  const text = await readFile(join(lab.root, 'server.stderr.log'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .filter((line) => (JSON.parse(line) as { msg?: string }).msg === msg).length;
}

/** Waits until the log holds `count` records of `msg` (the pipe to the file may lag a little). */
async function loggedAtLeast(lab: { root: string }, msg: string, count: number): Promise<number> {
  for (let i = 0; ; i++) {
    const n = await logged(lab, msg);
    if (n >= count) return n;
    assert.ok(i < 100, `only ${n} of ${count} "${msg}" records in the server log`);
    await sleep(50);
  }
}

/** Bytes the process has read by read(2) and friends, page cache included (/proc/PID/io). */
async function bytesRead(peer: PeerProcess): Promise<number> {
  const io = await readFile(`/proc/${String(peer.pid)}/io`, 'utf8');
  const rchar = /^rchar: (\d+)$/m.exec(io)?.[1];
  assert.ok(rchar !== undefined, io);
  return Number(rchar);
}

scenario('S64', 'rotating chunk sizes: served at the fixed sizes, never re-hashed', async (lab) => {
  await lab.games('server', [bigGame(GAME, GAME_MIB, { files: 4 })]);
  const server = await lab.start('server');
  const identity = await loadOrCreateIdentity(join(lab.root, 'rotator-state'), silentLogger);
  const transport = new Transport({ identity, log: silentLogger });
  try {
    const { host, port } = parseHostPort(server.addr);
    const asker = new Asker(await transport.dial(host, port, { role: 'transfer' }));

    // First pass: each served size is hashed once.
    const served = new Map<number, WireMessage>();
    for (const size of CHUNK_SIZES) {
      const answer = await asker.ask(manifestAt(size));
      assert.equal(answer.t, 'manifest', `${size}: ${refusal(answer)}`);
      assert.equal(answer.t === 'manifest' ? answer.chunk_size : 0, size);
      served.set(size, answer);
    }
    const hashedFirst = await loggedAtLeast(
      lab,
      'hashing files for a manifest',
      CHUNK_SIZES.length,
    );
    assert.equal(hashedFirst, CHUNK_SIZES.length);
    const manifest = served.get(CHUNK_SIZES[0] ?? 0);
    assert.ok(manifest?.t === 'manifest');
    const big = manifest.files.reduce((a, b) => (b.size > a.size ? b : a));

    // The rotation: sizes served from the cache, the others refused on the same connection,
    // and chunk requests of ever-changing lengths, which cost no hashing at all.
    const readBefore = await bytesRead(server);
    let refused = 0;
    let chunkBytes = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, size] of ROTATION.entries()) {
        const answer = await asker.ask(manifestAt(size));
        const expected = served.get(size);
        if (expected === undefined) {
          assert.equal(refusal(answer), 'serve-chunk-size', `${size}`);
          assert.ok(answer.t === 'refused' && answer.message.includes(CHUNK_SIZES.join(' or ')));
          refused++;
        } else {
          assert.deepEqual(answer, expected, `${size} served as before`);
        }
        const length = 100 + round * ROTATION.length + i;
        const chunk = await asker.ask({
          t: 'get-chunk',
          game: GAME,
          version: VERSION,
          path: big.path,
          offset: length * 1000,
          length,
        });
        assert.equal(chunk.t, 'chunk', refusal(chunk));
        while (asker.dataBytes < length) await sleep(5);
        chunkBytes += length;
      }
    }
    // Every refusal is logged before it is sent, so once all are in the file so is any hashing.
    await loggedAtLeast(lab, 'refused a transfer request', refused);
    const hashed = await logged(lab, 'hashing files for a manifest');
    const read = (await bytesRead(server)) - readBefore;
    asker.close();
    assert.equal(hashed, CHUNK_SIZES.length, 'no manifest build hashed a file again');
    assert.ok(
      read < GAME_MIB * MIB,
      `the server read ${read} bytes during the rotation: at least one re-hash of the game`,
    );

    // An honest download still works, and its manifest comes from the cache too.
    const client = await lab.start('client');
    await link(client, server);
    const { answer } = await download(client, GAME);
    assert.equal(answer.ok, true, JSON.stringify(answer.error));
    assert.equal(await logged(lab, 'hashing files for a manifest'), CHUNK_SIZES.length);
    return (
      `${CHUNK_SIZES.length} sizes hashed once each; ${ROUNDS} rounds of ${ROTATION.length} sizes: ` +
      `${refused} refused serve-chunk-size, the rest equal to the first answers, no re-hash; ` +
      `${ROUNDS * ROTATION.length} chunk requests (${chunkBytes} bytes); the server read ${read} bytes ` +
      `of a ${GAME_MIB} MiB game meanwhile; an honest download then completed`
    );
  } finally {
    await transport.close();
  }
});
