import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
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
import { CATALOG_VERSION, smallGame } from './harness/fixtures.js';
import { scenario } from './harness/lab.js';

const VERSION = CATALOG_VERSION as GameVersion;
/** The source's token lifetime (DEFAULT_DATA_TOKEN_LIMITS), and a margin for a loaded machine. */
const TOKEN_EXPIRED_AFTER_MS = 30_000 + 1_500;
/** What a source waits for a data connection's token (the transport's handshake timeout). */
const HELLO_TIMEOUT_MS = 10_000;

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

const busy = (answer: WireMessage): boolean =>
  answer.t === 'refused' && answer.code === 'serve-over-budget';

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
        const ask = { t: 'get-data-token', game: game as GameId, version: VERSION } as const;
        let answer = await asker.ask(ask);
        // A stranger holds one request at a time, and the source frees the served chunk's only
        // once its send has ended, which may be after this side read the bytes it wanted.
        for (const until = Date.now() + 5_000; busy(answer) && Date.now() < until;) {
          await sleep(50);
          answer = await asker.ask(ask);
        }
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
