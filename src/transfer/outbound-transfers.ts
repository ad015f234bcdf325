/** The registry of games this peer is serving right now, per game; status shows its counts. */
import type { GameId, PeerId } from '../ids.js';

export type OutboundListener = (ended: { game: GameId; peerId: PeerId }) => void;

export class OutboundTransfers {
  readonly #counts = new Map<GameId, number>();
  readonly #onEnd: OutboundListener;

  constructor(onEnd: OutboundListener) {
    this.#onEnd = onEnd;
  }

  /** Registers one transfer; the returned release must run on every ending (it is idempotent). */
  begin(game: GameId, peerId: PeerId): () => void {
    this.#counts.set(game, (this.#counts.get(game) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#counts.get(game) ?? 1) - 1;
      if (left === 0) this.#counts.delete(game);
      else this.#counts.set(game, left);
      this.#onEnd({ game, peerId });
    };
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }
}
