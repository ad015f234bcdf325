/** What the serving side needs to know of the local peer, and the gate every request passes. */
import type { ArchiveProvider } from '../archive/index.js';
import type { BandwidthCap } from './bandwidth-cap.js';
import type { CatalogGame } from '../catalog/index.js';
import type { GameId, GameVersion, PeerId } from '../ids.js';
import type { BusyAvailability, LocalGame } from '../library/index.js';
import type { Logger } from '../logger.js';
import type { DataTokens } from './data-tokens.js';
import type { HashCache } from './hash-cache.js';
import type { LocalPartials, PartialGame } from './local-partials.js';
import type { OutboundTransfers } from './outbound-transfers.js';
import type { Release, ServeBudget, Spend } from './serve-budget.js';
import { checkServeGame } from './serve-gates.js';
import type { Traffic } from './traffic.js';

/** What the server needs to know of the local peer, asked afresh for every request. */
export interface ServeContext {
  lookup(game: GameId): {
    entry: CatalogGame | undefined;
    game: LocalGame | undefined;
    busy: BusyAvailability | null;
    root: string;
  };
  readonly hashCache: HashCache;
  readonly outbound: OutboundTransfers;
  readonly log: Logger;
  /** Unpacks archives for streamed installs. */
  readonly archiveProvider: ArchiveProvider;
  /** What remotes may hold of this peer; shared by every transfer connection. */
  readonly budget: ServeBudget;
  /** The tokens issued for data connections, redeemed when one opens. */
  readonly tokens: DataTokens;
  /** True while `peer` has a control session here; without one it is a stranger (smallest budget). */
  hasSession(peer: PeerId): boolean;
  /** The games being downloaded here, whose verified chunks are served; none when absent. */
  readonly partials?: LocalPartials;
  /** Counts the payload bytes served; not counted when absent. */
  readonly traffic?: Traffic;
  /** The upload cap every served chunk and streamed byte passes, by remote peer; none when absent. */
  readonly uploadCap?: BandwidthCap;
}

/** The game's root when it may be served now; throws the gate's `serve-*` refusal otherwise. */
export function gateRequest(
  ctx: ServeContext,
  game: GameId,
  version: GameVersion,
): { root: string } {
  const found = ctx.lookup(game);
  const refusal = checkServeGame({
    entry: found.entry,
    game: found.game,
    busy: found.busy,
    requestedVersion: version,
  });
  if (refusal !== null) throw refusal;
  return { root: found.root };
}

/**
 * The game's root when it may be served whole, or the download under way here whose verified
 * chunks may be served (`partial`); the gate's refusal when neither.
 */
export function gateOrPartial(
  ctx: ServeContext,
  game: GameId,
  version: GameVersion,
): { root: string; partial?: PartialGame } {
  try {
    return gateRequest(ctx, game, version);
  } catch (err) {
    const partial = ctx.partials?.get(game);
    if (partial === undefined || partial.version !== version) throw err;
    return { root: partial.root, partial };
  }
}

/** One of `spend` for the remote `peer`, by its share (a stranger's without a session); a wait in line is logged. */
export function acquireServing(
  ctx: ServeContext,
  spend: Spend,
  peer: PeerId,
  signal: AbortSignal,
): Promise<Release> {
  return ctx.budget.acquire(spend, peer, !ctx.hasSession(peer), signal, () => {
    ctx.log.debug({ peer, spend }, 'waiting in line for a serving slot');
  });
}
