/** The operations running on games: one at a time per game (single-flight), each cancellable. */
import { LanspreadError } from '../errors.js';
import type { GameId } from '../ids.js';
import type { OperationKind } from './contract.js';

interface Running {
  kind: OperationKind;
  abort: AbortController;
  ended: Promise<void>;
}

export interface OperationHandle {
  readonly signal: AbortSignal;
  /** Moves on to the next step of the same operation (a download that goes on to install). */
  step(kind: OperationKind): void;
  end(): void;
}

export class Operations {
  readonly #running = new Map<GameId, Running>();

  /** Claims `game` for `kind`; throws `operation-in-progress` while another operation holds it. */
  begin(game: GameId, kind: OperationKind): OperationHandle {
    const busy = this.#running.get(game);
    if (busy !== undefined) {
      throw new LanspreadError(
        'operation-in-progress',
        `operation already in progress for game ${game} (${busy.kind})`,
      );
    }
    const abort = new AbortController();
    let end: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const running: Running = { kind, abort, ended };
    this.#running.set(game, running);
    return {
      signal: abort.signal,
      step: (next) => {
        running.kind = next;
      },
      end: () => {
        if (this.#running.get(game) === running) this.#running.delete(game);
        end();
      },
    };
  }

  kind(game: GameId): OperationKind | null {
    return this.#running.get(game)?.kind ?? null;
  }

  /**
   * Aborts the operation on `game` (with `reason`, by default `cancelled`) and resolves once it
   * has rolled back; false when none runs.
   */
  async cancel(
    game: GameId,
    reason = new LanspreadError('cancelled', `operation on ${game} was cancelled`),
  ): Promise<boolean> {
    const running = this.#running.get(game);
    if (running === undefined) return false;
    running.abort.abort(reason);
    await running.ended;
    return true;
  }

  cancelAll(): void {
    for (const [game, running] of this.#running)
      running.abort.abort(
        new LanspreadError('shutting-down', `the peer is shutting down (${game})`),
      );
  }

  list(): { game: GameId; kind: OperationKind }[] {
    return [...this.#running].map(([game, r]) => ({ game, kind: r.kind }));
  }
}
