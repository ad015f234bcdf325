import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { parseHostPort } from '../../src/host-port.js';
import { DATA_MAGIC } from '../../src/net/data-hello.js';
import { download } from './harness/assertions.js';
import { bigGame, SMALL_CHUNKS } from './harness/fixtures.js';
import { scenario } from './harness/lab.js';
import { assertSameRoot } from './harness/manifests.js';

/** With --encrypt-transfers (npm test runs this file both ways) the chunks travel on TLS. */
const ENCRYPTED = process.env.LANSPREAD_TEST_ENCRYPT_TRANSFERS === '1';

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
