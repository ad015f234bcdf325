/** The table of connected remote peers: identity, address, advertised library, last sign of life. */
import type { GameId, PeerId } from '../ids.js';
import type { LibraryDelta, WireGame } from '../protocol/index.js';

export interface PeerRecord {
  readonly peerId: PeerId;
  name: string;
  /** `host:port` the peer accepts connections on. */
  addr: string;
  library: Map<GameId, WireGame>;
  lastSeenMs: number;
}

export type UpsertOutcome = 'added' | 'address-changed' | 'unchanged';

export class PeerTable {
  readonly #peers = new Map<PeerId, PeerRecord>();
  /** Games worth keeping: a remote's library is judged by our catalog, so the rest is not held. */
  readonly #keep: (game: WireGame) => boolean;

  constructor(keep: (game: WireGame) => boolean = () => true) {
    this.#keep = keep;
  }

  /** Records a peer seen in a hello; a known id at a new address is updated in place (S28). */
  upsert(
    peerId: PeerId,
    seen: { name: string; addr: string; library: readonly WireGame[]; nowMs: number },
  ): UpsertOutcome {
    const library = new Map(seen.library.filter(this.#keep).map((g) => [g.id, g]));
    const known = this.#peers.get(peerId);
    if (known === undefined) {
      this.#peers.set(peerId, {
        peerId,
        name: seen.name,
        addr: seen.addr,
        library,
        lastSeenMs: seen.nowMs,
      });
      return 'added';
    }
    const moved = known.addr !== seen.addr;
    known.name = seen.name;
    known.addr = seen.addr;
    known.library = library;
    known.lastSeenMs = seen.nowMs;
    return moved ? 'address-changed' : 'unchanged';
  }

  applyDelta(
    peerId: PeerId,
    delta: Pick<LibraryDelta, 'upsert' | 'remove'>,
    nowMs: number,
  ): boolean {
    const known = this.#peers.get(peerId);
    if (known === undefined) return false;
    for (const id of delta.remove) known.library.delete(id);
    for (const game of delta.upsert) {
      // An entry not worth keeping still replaces the old one: the game's old entry goes.
      if (this.#keep(game)) known.library.set(game.id, game);
      else known.library.delete(game.id);
    }
    known.lastSeenMs = nowMs;
    return true;
  }

  touch(peerId: PeerId, nowMs: number): void {
    const known = this.#peers.get(peerId);
    if (known !== undefined) known.lastSeenMs = nowMs;
  }

  remove(peerId: PeerId): PeerRecord | undefined {
    const known = this.#peers.get(peerId);
    this.#peers.delete(peerId);
    return known;
  }

  get(peerId: PeerId): PeerRecord | undefined {
    return this.#peers.get(peerId);
  }

  findByAddr(addr: string): PeerRecord | undefined {
    for (const record of this.#peers.values()) if (record.addr === addr) return record;
    return undefined;
  }

  list(): PeerRecord[] {
    return [...this.#peers.values()].sort((a, b) => a.addr.localeCompare(b.addr));
  }

  get size(): number {
    return this.#peers.size;
  }
}
