/** A discovered address of another peer, and the filter that stops repeating it (pure). */
import type { PeerId, SoftwareVersion } from '../ids.js';

/** An address to dial. Only a hint: the TLS handshake proves who answers there. */
export interface DiscoveryCandidate {
  host: string;
  port: number;
  claimedPeerId: PeerId;
  via: 'mdns' | 'beacon';
  /** The lanspread release the announcement claims; null when it names none. A hint too. */
  software: SoftwareVersion | null;
}

/**
 * Lets a candidate through when its id, host and port were not let through within `repeatMs`:
 * a new address passes at once, the same one again only now and then (the runtime dedupes too).
 */
export class CandidateDedupe {
  readonly #repeatMs: number;
  readonly #maxEntries: number;
  /** Key → time let through; in insertion order, so the oldest go first when full. */
  readonly #passed = new Map<string, number>();

  constructor(repeatMs: number, maxEntries = 1024) {
    this.#repeatMs = repeatMs;
    this.#maxEntries = maxEntries;
  }

  admit(candidate: DiscoveryCandidate, now: number): boolean {
    const key = `${candidate.claimedPeerId}|${candidate.host}|${candidate.port}`;
    const at = this.#passed.get(key);
    if (at !== undefined && now - at < this.#repeatMs) return false;
    this.#passed.delete(key);
    this.#passed.set(key, now);
    while (this.#passed.size > this.#maxEntries) {
      const oldest = this.#passed.keys().next().value;
      if (oldest === undefined) break;
      this.#passed.delete(oldest);
    }
    return true;
  }

  /** Forgets a peer (it said goodbye), so its next announcement passes at once. */
  forget(peerId: PeerId): void {
    for (const key of this.#passed.keys()) {
      if (key.startsWith(`${peerId}|`)) this.#passed.delete(key);
    }
  }
}
