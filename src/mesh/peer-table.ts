/** The table of connected remote peers: identity, address, advertised library, last sign of life. */
import type { GameId, PeerId, SoftwareVersion } from '../ids.js';
import {
  HaveMap,
  MAX_PARTIAL_GAMES,
  type LibraryDelta,
  type PartialHoldings,
  type WireGame,
} from '../protocol/index.js';

/** A game a remote is downloading: the manifest it downloads (by digest) and its verified chunks. */
export interface RemotePartial {
  readonly version: string;
  readonly digest: string;
  readonly have: HaveMap;
  /** Its chunks in flight from a peer that holds them, which it relays. */
  readonly fetching: HaveMap;
  /** Its chunks in flight from a relay, which it relays too, no further. */
  readonly relaying: HaveMap;
}

/** An optional have-map of an advert: none set when absent (the schema checked it already). */
function optionalMap(encoded: string | undefined, chunks: number): HaveMap {
  return (encoded === undefined ? null : HaveMap.decode(encoded, chunks)) ?? new HaveMap(chunks);
}

export interface PeerRecord {
  readonly peerId: PeerId;
  name: string;
  /** The lanspread release its hello named; null if its protocol let it name none. */
  software: SoftwareVersion | null;
  /** `host:port` the peer accepts connections on. */
  addr: string;
  library: Map<GameId, WireGame>;
  /** Games it is downloading and serves in part, at most MAX_PARTIAL_GAMES. */
  readonly partials: Map<GameId, RemotePartial>;
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
    seen: {
      name: string;
      software: SoftwareVersion | null;
      addr: string;
      library: readonly WireGame[];
      nowMs: number;
    },
  ): UpsertOutcome {
    const library = new Map(seen.library.filter(this.#keep).map((g) => [g.id, g]));
    const known = this.#peers.get(peerId);
    if (known === undefined) {
      this.#peers.set(peerId, {
        peerId,
        name: seen.name,
        software: seen.software,
        addr: seen.addr,
        library,
        partials: new Map(),
        lastSeenMs: seen.nowMs,
      });
      return 'added';
    }
    const moved = known.addr !== seen.addr;
    known.name = seen.name;
    known.software = seen.software;
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

  /**
   * Applies a remote's `partial-holdings`: games our catalog does not know are not kept, nor
   * holdings past MAX_PARTIAL_GAMES. False when the peer is unknown.
   */
  applyPartials(
    peerId: PeerId,
    change: Pick<PartialHoldings, 'upsert' | 'remove'>,
    keep: (game: GameId) => boolean,
  ): boolean {
    const known = this.#peers.get(peerId);
    if (known === undefined) return false;
    for (const id of change.remove) known.partials.delete(id);
    for (const holding of change.upsert) {
      if (!keep(holding.game)) continue;
      if (!known.partials.has(holding.game) && known.partials.size >= MAX_PARTIAL_GAMES) continue;
      // The schema checked the map already; a null here cannot happen, and would only drop it.
      const have = HaveMap.decode(holding.have, holding.chunks);
      if (have === null) known.partials.delete(holding.game);
      else
        known.partials.set(holding.game, {
          version: holding.version,
          digest: holding.manifest_digest,
          have,
          fetching: optionalMap(holding.fetching, holding.chunks),
          relaying: optionalMap(holding.relaying, holding.chunks),
        });
    }
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
