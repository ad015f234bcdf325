import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseHostPort } from '../../../src/host-port.js';
import { DATA_MAGIC } from '../../../src/net/data-hello.js';
import type { Peer, SettingsView } from '../../../src/peer/index.js';
import { writeFixtureGame } from '../../support/fixture-games.js';
import { startLoopbackPeer } from '../../support/loopback-peer.js';
import { smallGame } from '../../scenarios/harness/fixtures.js';

// Issue 17 item 2: the `encrypt_transfers` setting picks the path of the downloads that start
// after it changes; `--encrypt-transfers` turns it on at start.
const dir = await mkdtemp(join(tmpdir(), 'lanspread-encrypt-setting-'));
const peers: Peer[] = [];
let source: Peer;
let proxy: { addr: string; dataConnections: () => number; close: () => void };

function startPeer(name: string, encryptTransfers?: boolean): Promise<Peer> {
  return startLoopbackPeer(dir, name, {
    rescanIntervalMs: 0,
    ...(encryptTransfers === undefined ? {} : { encryptTransfers }),
  }).then((peer) => {
    peers.push(peer);
    return peer;
  });
}

/**
 * A TCP proxy on 127.0.0.2 at the source's port that counts the connections opening as data
 * connections. A client that connects through it learns the proxy's address for the source, so
 * its transfer and data connections pass through it too.
 */
async function countingProxy(target: string): Promise<typeof proxy> {
  const to = parseHostPort(target);
  const sockets = new Set<net.Socket>();
  let data = 0;
  const server = net.createServer((inbound) => {
    const upstream = net.connect({ host: to.host, port: to.port });
    for (const socket of [inbound, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        inbound.destroy();
        upstream.destroy();
      });
    }
    inbound.once('data', (first: Buffer) => {
      if (first.subarray(0, DATA_MAGIC.length).equals(DATA_MAGIC)) data++;
    });
    inbound.pipe(upstream).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(to.port, '127.0.0.2', resolve));
  return {
    addr: `127.0.0.2:${to.port}`,
    dataConnections: () => data,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

async function settings(peer: Peer): Promise<SettingsView> {
  return (await peer.execute({ cmd: 'get-settings' })) as SettingsView;
}

async function savedFile(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(dir, name, 'state', 'settings.json'), 'utf8')) as Record<
    string,
    unknown
  >;
}

async function downloadThroughProxy(client: Peer, game: string): Promise<number> {
  const before = proxy.dataConnections();
  await client.execute({ cmd: 'download', game, install: false });
  return proxy.dataConnections() - before;
}

before(async () => {
  for (const id of ['alienswarm', 'bf1942', 'bfbc2'])
    await writeFixtureGame(join(dir, 'source', 'games'), smallGame(id));
  source = await startPeer('source');
  proxy = await countingProxy(source.addr);
});

after(async () => {
  await Promise.all(peers.map((peer) => peer.shutdown()));
  proxy.close();
  await rm(dir, { recursive: true, force: true });
});

test('a download after set-settings encrypt_transfers takes the path the setting names', async () => {
  const client = await startPeer('client');
  await client.execute({ cmd: 'connect', addr: proxy.addr });
  assert.equal((await settings(client)).encrypt_transfers, false);
  assert.ok((await downloadThroughProxy(client, 'alienswarm')) > 0, 'plain: data connections');

  const on = (await client.execute({
    cmd: 'set-settings',
    encrypt_transfers: true,
  })) as SettingsView;
  assert.equal(on.encrypt_transfers, true);
  assert.equal((await savedFile('client')).encrypt_transfers, true);
  assert.equal(await downloadThroughProxy(client, 'bf1942'), 0, 'encrypted: every byte on TLS');

  await client.execute({ cmd: 'set-settings', encrypt_transfers: false });
  assert.ok((await downloadThroughProxy(client, 'bfbc2')) > 0, 'plain again');
  assert.equal((await savedFile('client')).encrypt_transfers, false);
});

test('--encrypt-transfers turns the setting on; it is saved with the next change and kept', async () => {
  const flagged = await startPeer('flagged', true);
  assert.equal((await settings(flagged)).encrypt_transfers, true);
  await flagged.execute({ cmd: 'set-settings', username: 'Ann' });
  assert.equal((await savedFile('flagged')).encrypt_transfers, true);
  await flagged.shutdown();
  // Started again without the flag: the saved setting holds.
  const again = await startPeer('flagged');
  assert.equal((await settings(again)).encrypt_transfers, true);
  // The flag only turns it on: without it, a saved "off" stays off.
  await again.execute({ cmd: 'set-settings', encrypt_transfers: false });
  await again.shutdown();
  assert.equal((await settings(await startPeer('flagged'))).encrypt_transfers, false);
});
