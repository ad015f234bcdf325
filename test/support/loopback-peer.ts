/** An in-process peer for integration tests: its folders under `dir/name`, on a free loopback port, silent. */
import { join } from 'node:path';
import { silentLogger } from '../../src/logger.js';
import { Peer, type PeerOptions } from '../../src/peer/index.js';

export function startLoopbackPeer(
  dir: string,
  name: string,
  extra: Partial<PeerOptions> = {},
): Promise<Peer> {
  return Peer.start({
    gamesDir: join(dir, name, 'games'),
    stateDir: join(dir, name, 'state'),
    name,
    listenHost: '127.0.0.1',
    listenPort: 0,
    log: silentLogger,
    ...extra,
  });
}
