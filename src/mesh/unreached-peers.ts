/**
 * Peers discovery announced that no dial reached: where they said they listen and why the last
 * dial failed, so the UI can tell a firewall from another subnet. Bounded: a flood of forged
 * announcements costs at most MAX_UNREACHED_PEERS entries, the one failed longest ago going first.
 */
import type { PeerId, SoftwareVersion } from '../ids.js';

export const MAX_UNREACHED_PEERS = 64;

export interface UnreachedPeer {
  peerId: PeerId;
  addr: string;
  /** How it was discovered: `mdns`, `beacon` or `redial`. */
  via: string;
  /** The lanspread release its announcement (or its last session) named; null when none did. */
  software: SoftwareVersion | null;
  /** The last dial's error, as Node or the handshake worded it. */
  error: string;
  failures: number;
  lastFailedMs: number;
}

export class UnreachedPeers {
  /** Failed longest ago first. */
  readonly #peers = new Map<PeerId, UnreachedPeer>();

  failed(
    peerId: PeerId,
    seen: {
      addr: string;
      via: string;
      software: SoftwareVersion | null;
      error: string;
      nowMs: number;
    },
  ): void {
    const failures = (this.#peers.get(peerId)?.failures ?? 0) + 1;
    this.#peers.delete(peerId);
    this.#peers.set(peerId, {
      peerId,
      addr: seen.addr,
      via: seen.via,
      software: seen.software,
      error: seen.error,
      failures,
      lastFailedMs: seen.nowMs,
    });
    while (this.#peers.size > MAX_UNREACHED_PEERS) {
      const oldest = this.#peers.keys().next().value;
      if (oldest === undefined) break;
      this.#peers.delete(oldest);
    }
  }

  /** The peer is connected now (or said goodbye): no longer unreached. */
  reached(peerId: PeerId): void {
    this.#peers.delete(peerId);
  }

  /** Most recent failure first. */
  list(): UnreachedPeer[] {
    return [...this.#peers.values()].reverse();
  }
}
