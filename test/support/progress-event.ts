/** A `download-progress` of the test game `cnc4`, as a download or a streamed install emits it. */
import type { PeerEvent } from '../../src/peer/index.js';

const MiB = 1048576;

export function progressEvent(done: number, total = 100 * MiB, peers = 2, busy = 0): PeerEvent {
  return {
    event: 'download-progress',
    game: 'cnc4',
    bytes_done: done,
    bytes_total: total,
    mib_per_s: 0,
    active_peers: peers,
    busy_peers: busy,
  };
}
