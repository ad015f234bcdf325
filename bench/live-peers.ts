/** The peer processes a benchmark started, so that every ending — done, failed, Ctrl-C — stops them. */
import type { PeerProcess } from '../test/scenarios/harness/peer-process.js';

/** A peer that does not finish its goodbye within this is killed. */
const SHUTDOWN_WAIT_MS = 15_000;

export class LivePeers {
  readonly #peers = new Set<PeerProcess>();

  add(peer: PeerProcess): PeerProcess {
    this.#peers.add(peer);
    return peer;
  }

  /** Shuts `peer` down gracefully, or kills it when it hangs. */
  async stop(peer: PeerProcess): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, SHUTDOWN_WAIT_MS);
    });
    try {
      const ended = await Promise.race([peer.shutdown(), timeout]).catch(() => 'timeout' as const);
      if (ended === 'timeout') {
        peer.kill();
        await peer.exited;
      }
    } finally {
      clearTimeout(timer);
      this.#peers.delete(peer);
    }
  }

  async stopAll(peers: readonly PeerProcess[] = [...this.#peers]): Promise<void> {
    await Promise.all(peers.map((p) => this.stop(p)));
  }

  /** For a signal handler: no time for goodbyes. */
  killAll(): void {
    for (const peer of this.#peers) peer.kill();
  }
}
