/** The tokens that open plaintext data connections: issued over TLS to one peer, for one game, used once. */
import { randomBytes } from 'node:crypto';
import { LanspreadError } from '../errors.js';
import type { GameId, GameVersion, PeerId } from '../ids.js';
import { DATA_TOKEN_BYTES } from '../net/data-hello.js';

/** What a redeemed token lets its data connection do, and whose budget it spends. */
export interface DataGrant {
  readonly peer: PeerId;
  readonly game: GameId;
  readonly version: GameVersion;
}

export interface DataTokenLimits {
  /** A token not redeemed within this long is void. */
  readonly lifetimeMs: number;
  /** Tokens one identity may hold unredeemed at once. */
  readonly perPeer: number;
  /** Tokens unredeemed at once, all identities together. */
  readonly total: number;
}

/**
 * The numbers of docs/security.md. A receiver asks a token right before it dials, so a few
 * seconds would do; 30 s leaves room for a loaded machine. Per peer as many as it may hold
 * transfer connections (`serve-budget.ts`).
 */
export const DEFAULT_DATA_TOKEN_LIMITS: DataTokenLimits = {
  lifetimeMs: 30_000,
  perPeer: 16,
  total: 1024,
};

interface Issued {
  readonly grant: DataGrant;
  /** The address the asking TLS connection came from; the data connection must come from it too. */
  readonly address: string;
  readonly expiresAt: number;
}

export class DataTokens {
  readonly limits: DataTokenLimits;
  /** By token (hex), in order of issue, so the expired are at the front. */
  readonly #issued = new Map<string, Issued>();
  readonly #now: () => number;

  constructor(limits: DataTokenLimits = DEFAULT_DATA_TOKEN_LIMITS, now: () => number = Date.now) {
    this.limits = limits;
    this.#now = now;
  }

  /** A fresh token for `grant`, asked from `address`; `serve-over-budget` past the limits. */
  issue(grant: DataGrant, address: string): Buffer {
    this.#sweep();
    let held = 0;
    for (const issued of this.#issued.values()) if (issued.grant.peer === grant.peer) held++;
    if (held >= this.limits.perPeer || this.#issued.size >= this.limits.total) {
      throw new LanspreadError(
        'serve-over-budget',
        `too many data connection tokens ${held >= this.limits.perPeer ? 'for one peer' : 'in total'}; try again later`,
      );
    }
    const token = randomBytes(DATA_TOKEN_BYTES);
    this.#issued.set(token.toString('hex'), {
      grant,
      address,
      expiresAt: this.#now() + this.limits.lifetimeMs,
    });
    return token;
  }

  /**
   * The grant of `token` presented from `address`, or undefined when it is unknown, used,
   * expired or presented from another address. Either way it is spent: a token is tried once.
   */
  redeem(token: Buffer, address: string): DataGrant | undefined {
    const key = token.toString('hex');
    const issued = this.#issued.get(key);
    this.#issued.delete(key);
    if (issued === undefined || issued.expiresAt <= this.#now() || issued.address !== address)
      return undefined;
    return issued.grant;
  }

  /** Tokens not yet redeemed nor expired. */
  get outstanding(): number {
    this.#sweep();
    return this.#issued.size;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, issued] of this.#issued) {
      if (issued.expiresAt > now) break;
      this.#issued.delete(key);
    }
  }
}
