import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseHostPort } from '../../src/host-port.js';
import type { GameId, GameVersion } from '../../src/ids.js';
import { loadOrCreateIdentity } from '../../src/identity/index.js';
import { silentLogger } from '../../src/logger.js';
import { DATA_MAGIC } from '../../src/net/data-hello.js';
import { Transport } from '../../src/net/index.js';
import { encodeControlFrame, type WireMessage } from '../../src/protocol/index.js';
import { Asker } from './harness/asker.js';
import { download } from './harness/assertions.js';
import { bigGame, CATALOG_VERSION, SMALL_CHUNKS, smallGame } from './harness/fixtures.js';
import { scenario } from './harness/lab.js';
import { assertSameRoot } from './harness/manifests.js';

const VERSION = CATALOG_VERSION as GameVersion;
/** The source's token lifetime (DEFAULT_DATA_TOKEN_LIMITS), and a margin for a loaded machine. */
const TOKEN_EXPIRED_AFTER_MS = 30_000 + 1_500;
/** What a source waits for a data connection's token (the transport's handshake timeout). */
const HELLO_TIMEOUT_MS = 10_000;
const ENCRYPTED = process.env.LANSPREAD_TEST_ENCRYPT_TRANSFERS === '1';

const chunkOf = (game: string, path: string, length: number): WireMessage => ({
  t: 'get-chunk',
  game: game as GameId,
  version: VERSION,
  path,
  offset: 0,
  length,
});

interface Outcome {
  /** Bytes the source sent. */
  bytes: number;
  /** The source closed the connection. */
  closed: boolean;
}

/**
 * Opens a plain TCP connection to `addr` from `localAddress`, sends `opening` and then `ask`, and
 * settles once the source closed it, sent `want` bytes, or `waitMs` passed.
 */
function openData(
  addr: string,
  opening: Buffer,
  ask: WireMessage | null,
  opts: { localAddress?: string; want?: number; waitMs?: number } = {},
): Promise<Outcome> {
  const { host, port } = parseHostPort(addr);
  const want = opts.want ?? Infinity;
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, localAddress: opts.localAddress ?? '127.0.0.1' });
    let bytes = 0;
    const settle = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ bytes, closed });
    };
    const timer = setTimeout(() => {
      settle(false);
    }, opts.waitMs ?? 5_000);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      settle(true);
    });
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes >= want) settle(false);
    });
    socket.on('connect', () => {
      socket.write(opening);
      if (ask !== null) socket.write(encodeControlFrame(ask));
    });
  });
}

const hello = (token: Buffer): Buffer => Buffer.concat([DATA_MAGIC, token]);

scenario(
  'S67',
  'data connection tokens: none, unknown, reused, from another address, for another game, expired get nothing',
  async (lab) => {
    await lab.games('source', [smallGame('alienswarm'), smallGame('bf1942')]);
    const source = await lab.start('source');
    const identity = await loadOrCreateIdentity(join(lab.root, 'asker-state'), silentLogger);
    const transport = new Transport({ identity, log: silentLogger });
    try {
      const { host, port } = parseHostPort(source.addr);
      const asker = new Asker(await transport.dial(host, port, { role: 'transfer' }));
      const tokenFor = async (game: string): Promise<Buffer> => {
        const answer = await asker.ask({
          t: 'get-data-token',
          game: game as GameId,
          version: VERSION,
        });
        assert.equal(answer.t, 'data-token', JSON.stringify(answer));
        return Buffer.from(answer.t === 'data-token' ? answer.token : '', 'hex');
      };
      const notes = chunkOf('alienswarm', 'notes.txt', 300);
      // Both take their time: started first, checked last.
      const stale = await tokenFor('alienswarm');
      const staleAt = Date.now();
      const silent = openData(source.addr, DATA_MAGIC, null, { waitMs: HELLO_TIMEOUT_MS + 5_000 });

      const outcomes: [string, Outcome][] = [];
      const nothing = (what: string, outcome: Outcome): void => {
        assert.deepEqual(outcome, { bytes: 0, closed: true }, `${what}: closed, nothing sent`);
        outcomes.push([what, outcome]);
      };
      nothing('an unknown token', await openData(source.addr, hello(randomBytes(32)), notes));
      nothing(
        'neither TLS nor a data connection',
        await openData(source.addr, Buffer.from('GET / HTTP/1.1\r\n\r\n'), null),
      );

      // A valid token is served: the chunk's header and its 300 bytes.
      const token = await tokenFor('alienswarm');
      const served = await openData(source.addr, hello(token), notes, { want: 300 });
      assert.ok(served.bytes >= 300, `a valid token is served (${served.bytes} bytes)`);
      nothing('the same token again', await openData(source.addr, hello(token), notes));

      // Bound to the address that asked: from another it is refused, and spent.
      const elsewhere = await tokenFor('alienswarm');
      nothing(
        'a token presented from another address',
        await openData(source.addr, hello(elsewhere), notes, { localAddress: '127.0.0.2' }),
      );
      nothing(
        'that token then from its own address',
        await openData(source.addr, hello(elsewhere), notes),
      );

      // Bound to its game: another game's chunk closes the connection unanswered.
      const alien = await tokenFor('alienswarm');
      nothing(
        'a token for one game asking another',
        await openData(source.addr, hello(alien), chunkOf('bf1942', 'notes.txt', 300)),
      );

      nothing('a data connection that sends no token', await silent);
      await sleep(Math.max(0, staleAt + TOKEN_EXPIRED_AFTER_MS - Date.now()));
      nothing('an expired token', await openData(source.addr, hello(stale), notes));
      asker.close();
      return `a valid token served ${served.bytes} bytes once; ${outcomes.map(([what]) => what).join(', ')}: closed with no byte sent`;
    } finally {
      await transport.close();
    }
  },
);

/** What the proxy saw and did. */
interface Flipper {
  readonly addr: string;
  /** Bytes flipped (at most one). */
  flipped: number;
  /** Connections that opened as data connections. */
  dataConnections: number;
  close(): void;
}

/**
 * A TCP proxy on `host` at `target`'s port that forwards every connection to `target` untouched,
 * except one byte: the one at `flipAt` of the first answer stream (source to receiver) that gets
 * that far — inside chunk bytes, whether they travel on a data connection or on TLS.
 */
async function startFlipper(host: string, target: string, flipAt: number): Promise<Flipper> {
  const to = parseHostPort(target);
  const sockets = new Set<net.Socket>();
  const state: Flipper = {
    addr: `${host}:${to.port}`,
    flipped: 0,
    dataConnections: 0,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
  const server = net.createServer((receiver) => {
    const upstream = net.connect({ host: to.host, port: to.port });
    for (const socket of [receiver, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        receiver.destroy();
        upstream.destroy();
      });
    }
    receiver.once('data', (first: Buffer) => {
      if (first[0] === DATA_MAGIC[0]) state.dataConnections++;
    });
    receiver.pipe(upstream);
    let seen = 0;
    upstream.on('data', (chunk: Buffer) => {
      if (state.flipped === 0 && seen + chunk.length > flipAt) {
        const i = flipAt - seen;
        chunk[i] = (chunk[i] ?? 0) ^ 0xff;
        state.flipped++;
      }
      seen += chunk.length;
      if (!receiver.write(chunk)) {
        upstream.pause();
        receiver.once('drain', () => upstream.resume());
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(to.port, host, resolve));
  return state;
}

scenario(
  'S67',
  'a byte flipped in transit: the chunk is retried and the download completes with the right bytes',
  async (lab) => {
    await lab.games('source', [bigGame('alienswarm', 6, { files: 2 })]);
    const source = await lab.start('source', { extraArgs: SMALL_CHUNKS });
    const client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
    // The proxy listens on another loopback address at the source's port, so the address the
    // client learns for the source (its socket's address, the port of its hello) is the proxy's.
    const proxy = await startFlipper('127.0.0.2', source.addr, 300_000);
    try {
      const { peer_id } = await client.cmd<{ peer_id: string }>('connect', { addr: proxy.addr });
      assert.equal(peer_id, source.peerId);
      await source.waitEvent((e) => e.event === 'peer-connected' && e.peer_id === client.peerId);
      const { answer, events } = await download(client, 'alienswarm');
      assert.equal(answer.ok, true, JSON.stringify(answer.error));
      assert.equal(proxy.flipped, 1, 'the proxy flipped one byte of the answers');
      assert.ok(
        !events.some((e) => e.event === 'download-peer-dropped'),
        'one bad chunk does not drop the source',
      );
      const files = await assertSameRoot(lab, 'source', 'client', 'alienswarm');
      const log = await readFile(join(lab.root, 'client.stderr.log'), 'utf8');
      if (ENCRYPTED) {
        assert.equal(proxy.dataConnections, 0, 'with --encrypt-transfers every byte is on TLS');
        assert.match(log, /chunk failed; it goes back to the queue/);
      } else {
        assert.ok(proxy.dataConnections >= 2, 'the retry opened a new data connection');
        assert.match(log, /a chunk failed its hash; it goes back to the queue/);
      }
      return `${ENCRYPTED ? 'TLS' : `${proxy.dataConnections} data connections`}: one flipped byte, the chunk retried, ${files} files match by SHA-256, the source kept`;
    } finally {
      proxy.close();
    }
  },
);
