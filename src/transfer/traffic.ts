/** File payload bytes this peer sent and received since it started: in all, and per remote peer. */
import type { PeerId } from '../ids.js';

/** Remote peers whose counts are kept: beyond it the one counted least recently is forgotten. */
export const MAX_TRAFFIC_PEERS = 1024;

export interface PeerTraffic {
  sentBytes: number;
  receivedBytes: number;
}

export class Traffic {
  /** Chunk bytes served (TLS and data connections) and entry bytes streamed. */
  sentBytes = 0;
  /** Chunk bytes downloaded (thrown-away ones included: they crossed the wire) and entry bytes streamed in. */
  receivedBytes = 0;
  /** Least recently counted first, so the forgotten ones are at the front. */
  readonly #byPeer = new Map<PeerId, PeerTraffic>();

  sent(peer: PeerId, bytes: number): void {
    this.sentBytes += bytes;
    this.#of(peer).sentBytes += bytes;
  }

  received(peer: PeerId, bytes: number): void {
    this.receivedBytes += bytes;
    this.#of(peer).receivedBytes += bytes;
  }

  /** What crossed the wire with `peer` since the start; zeros when nothing did. */
  peer(peer: PeerId): PeerTraffic {
    const counts = this.#byPeer.get(peer);
    return { sentBytes: counts?.sentBytes ?? 0, receivedBytes: counts?.receivedBytes ?? 0 };
  }

  #of(peer: PeerId): PeerTraffic {
    const counts = this.#byPeer.get(peer) ?? { sentBytes: 0, receivedBytes: 0 };
    this.#byPeer.delete(peer);
    this.#byPeer.set(peer, counts);
    while (this.#byPeer.size > MAX_TRAFFIC_PEERS) {
      const oldest = this.#byPeer.keys().next().value;
      if (oldest === undefined) break;
      this.#byPeer.delete(oldest);
    }
    return counts;
  }
}
