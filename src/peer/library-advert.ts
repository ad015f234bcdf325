/** What this peer advertises of its library, and the delta between two advertisements. */
import type { Catalog } from '../catalog/index.js';
import type { GameId } from '../ids.js';
import { isServable, type BusyAvailability, type LocalGame } from '../library/index.js';
import type { WireGame } from '../protocol/index.js';

export function advertise(
  games: readonly LocalGame[],
  catalog: Catalog,
  busy: (id: GameId) => BusyAvailability | null,
): WireGame[] {
  const wire: WireGame[] = [];
  for (const game of games) {
    const entry = catalog.get(game.id);
    if (entry === undefined) continue;
    wire.push({
      id: game.id,
      version: game.version,
      downloaded: game.downloaded,
      installed: game.installed,
      servable: isServable(game, entry.version, busy(game.id)),
      size: game.size,
    });
  }
  return wire;
}

export function diffAdvert(
  prev: readonly WireGame[],
  next: readonly WireGame[],
): { upsert: WireGame[]; remove: GameId[] } {
  const before = new Map(prev.map((g) => [g.id, g]));
  const after = new Set(next.map((g) => g.id));
  const upsert = next.filter((g) => {
    const old = before.get(g.id);
    return (
      old === undefined ||
      old.version !== g.version ||
      old.downloaded !== g.downloaded ||
      old.installed !== g.installed ||
      old.servable !== g.servable ||
      old.size !== g.size
    );
  });
  const remove = prev.filter((g) => !after.has(g.id)).map((g) => g.id);
  return { upsert, remove };
}
