import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { GameId, GameVersion } from '../../src/ids.js';
import { loadOrCreateIdentity } from '../../src/identity/index.js';
import { silentLogger } from '../../src/logger.js';
import { Transport, type Connection } from '../../src/net/index.js';
import { PeerSession } from '../../src/peers/index.js';
import type { Manifest } from '../../src/protocol/index.js';
import { download } from './harness/assertions.js';
import { scenario } from './harness/lab.js';
import type { PeerProcess } from './harness/peer-process.js';

const GAME = 'cnctw' as GameId;
const VERSION = '20250101' as GameVersion;
const ZERO = '0'.repeat(64);

/**
 * A test double that speaks the real protocol: it advertises cnctw as Ready, then answers every
 * manifest request with a file list holding one hostile path, and any chunk request with bytes.
 */
async function startLiar(
  stateDir: string,
  hostilePaths: string[],
): Promise<{ addr: string; close(): Promise<void> }> {
  const identity = await loadOrCreateIdentity(stateDir, silentLogger);
  const transport = new Transport({ identity, log: silentLogger });
  let request = 0;
  transport.onConnection((conn: Connection) => {
    if (conn.role === 'transfer') {
      conn.onMessage((msg) => {
        if (msg.t === 'get-manifest') {
          const path = hostilePaths[request++ % hostilePaths.length]!;
          const manifest: Manifest = {
            t: 'manifest',
            game: GAME,
            version: VERSION,
            chunk_size: msg.chunk_size,
            files: [
              { path, size: 5, chunks: [ZERO] },
              { path: 'version.ini', size: 9, chunks: [ZERO] },
            ],
          };
          conn.send(manifest);
        } else if (msg.t === 'get-chunk') {
          conn.send({
            t: 'chunk',
            game: GAME,
            path: msg.path,
            offset: msg.offset,
            length: msg.length,
          });
          conn.sendData(Buffer.alloc(msg.length, 0x41));
        }
      });
      return;
    }
    void PeerSession.establish(
      conn,
      {
        peerId: identity.peerId,
        name: 'liar',
        listenPort: port,
        library: [
          {
            id: GAME,
            version: VERSION,
            downloaded: true,
            installed: false,
            servable: true,
            size: 14,
          },
        ],
      },
      silentLogger,
    ).then(
      (session) => {
        session.start({
          onDelta: () => undefined,
          onAlive: () => undefined,
          onEnd: () => undefined,
        });
      },
      () => undefined,
    );
  });
  const { port } = await transport.listen('127.0.0.1', 0);
  return { addr: `127.0.0.1:${port}`, close: () => transport.close() };
}

scenario(
  'S50',
  'hostile manifest from a lying peer (test double on the real protocol)',
  async (lab) => {
    const hostile = [
      '../escape.txt',
      '/tmp/lanspread-absolute-escape.txt',
      'local/planted.txt',
      '..\\win-escape.txt',
      'a/../../up.txt',
    ];
    const liar = await startLiar(join(lab.root, 'liar-state'), hostile);
    try {
      const client: PeerProcess = await lab.start('client');
      const { peer_id } = await client.cmd<{ peer_id: string }>('connect', { addr: liar.addr });
      assert.ok(peer_id.length === 64);
      const codes: string[] = [];
      for (const path of hostile) {
        const { answer, events } = await download(client, 'cnctw');
        assert.equal(answer.ok, false, `${path} must be refused`);
        assert.equal(
          answer.error?.code,
          'hostile-manifest',
          `${path}: ${JSON.stringify(answer.error)}`,
        );
        assert.ok(
          events.some((e) => e.event === 'download-peer-dropped' && e.peer_id === peer_id),
          'an event names the liar',
        );
        assert.equal(
          events.some((e) => e.event === 'download-begin'),
          false,
        );
        codes.push(answer.error.code);
      }
      const root = join(lab.gamesDir('client'), 'cnctw');
      assert.equal(existsSync(join(lab.gamesDir('client'), 'escape.txt')), false);
      assert.equal(existsSync('/tmp/lanspread-absolute-escape.txt'), false);
      assert.equal(existsSync(join(lab.root, 'client', 'up.txt')), false);
      assert.equal(existsSync(join(root, 'local')), false);
      assert.equal(existsSync(join(root, 'version.ini')), false);
      const left = existsSync(root) ? await readdir(root) : [];
      assert.deepEqual(
        left.filter((n) => n !== '.lanspread'),
        [],
      );
      return `${hostile.length} hostile paths (${hostile.join(', ')}) -> ${[...new Set(codes)].join(',')} each, liar named in download-peer-dropped; nothing written outside or inside the root`;
    } finally {
      await liar.close();
    }
  },
);

scenario(
  'S50',
  'a lying peer whose bytes never match its manifest commits nothing',
  async (lab) => {
    // The liar claims a manifest whose chunk hashes are zeros: any bytes it sends fail the hash.
    const liar = await startLiar(join(lab.root, 'liar-state'), ['payload.bin']);
    try {
      const client = await lab.start('client');
      await client.cmd('connect', { addr: liar.addr });
      const { answer, events } = await download(client, 'cnctw');
      assert.equal(answer.ok, false);
      assert.ok(
        ['no-sources-left', 'download-failed'].includes(answer.error!.code),
        JSON.stringify(answer.error),
      );
      assert.ok(events.some((e) => e.event === 'download-peer-dropped'));
      assert.equal(existsSync(join(lab.gamesDir('client'), 'cnctw', 'version.ini')), false);
      return `wrong bytes -> ${answer.error!.code}; liar dropped; nothing committed`;
    } finally {
      await liar.close();
    }
  },
);
