/** A download's view of the swarm: the peer table's holdings of its game, and its own advert. */
import type { CatalogGame } from '../catalog/index.js';
import type { PeerId } from '../ids.js';
import { isPartialFor, isSourceFor, type PeerRecord } from '../mesh/index.js';
import type { LocalPartials, SwarmHolding, SwarmLink } from '../transfer/index.js';

/** Every download's listener, told of each peer whose holdings may have changed. */
export class SwarmWatchers {
  readonly #listeners = new Set<(peer: PeerId) => void>();

  add(listener: (peer: PeerId) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  changed(peer: PeerId): void {
    for (const listener of [...this.#listeners]) listener(peer);
  }
}

export function swarmLink(
  game: CatalogGame,
  root: string,
  deps: {
    record: (peer: PeerId) => PeerRecord | undefined;
    records: () => PeerRecord[];
    partials: LocalPartials;
    watchers: SwarmWatchers;
    self: PeerId;
  },
): SwarmLink {
  return {
    self: deps.self,
    holding: (peer): SwarmHolding | undefined => {
      const record = deps.record(peer);
      if (record === undefined) return undefined;
      if (isSourceFor(record, game)) return { kind: 'complete', addr: record.addr };
      const partial = record.partials.get(game.id);
      if (partial === undefined || !isPartialFor(record, game)) return undefined;
      return { kind: 'partial', addr: record.addr, ...partial };
    },
    partialPeers: () =>
      deps
        .records()
        .filter((record) => isPartialFor(record, game))
        .map((record) => record.peerId),
    watch: (listener) => deps.watchers.add(listener),
    hold: (manifest, verified) =>
      deps.partials.hold(game.id, game.version, root, manifest, verified),
  };
}
