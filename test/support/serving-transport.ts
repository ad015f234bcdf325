/** A real transport serving one game root behind the serving budgets, and fresh identities to dial it. */
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { embeddedUnrar } from '../../src/archive/index.js';
import type { GameId, GameVersion, PeerId } from '../../src/ids.js';
import { loadOrCreateIdentity } from '../../src/identity/index.js';
import { silentLogger, type Logger } from '../../src/logger.js';
import { Transport } from '../../src/net/index.js';
import {
  DataTokens,
  OutboundTransfers,
  ServeBudget,
  serveTransferConnection,
  type HashCache,
  type ServeContext,
  type ServeLimits,
} from '../../src/transfer/index.js';

export interface ServedGame {
  /** A folder for the identities' state. */
  readonly dir: string;
  readonly root: string;
  readonly game: GameId;
  readonly version: GameVersion;
  readonly size: number;
  readonly hashCache: HashCache;
}

export interface ServingTransport {
  readonly transport: Transport;
  readonly addr: { host: string; port: number };
  readonly budget: ServeBudget;
  /** Identities in here count as peers with a control session. */
  readonly sessions: Set<PeerId>;
}

export async function startServing(
  served: ServedGame,
  limits: ServeLimits,
  log: Logger = silentLogger,
  /** Context fields to set or replace: a game downloading here, an upload cap. */
  extra: Partial<Pick<ServeContext, 'lookup' | 'partials' | 'uploadCap'>> = {},
): Promise<ServingTransport> {
  const { game, version, root } = served;
  const identity = await loadOrCreateIdentity(await mkdtemp(join(served.dir, 'server-')), log);
  const transport = new Transport({ identity, log });
  const budget = new ServeBudget(limits);
  const sessions = new Set<PeerId>();
  const ctx: ServeContext = {
    lookup: () => ({
      entry: {
        id: game,
        name: game,
        description: null,
        size: null,
        version,
        manifestDigest: null,
        genre: null,
        maxPlayers: null,
        releaseYear: null,
        cover: null,
      },
      game: { id: game, version, downloaded: true, installed: false, size: served.size },
      busy: null,
      root,
    }),
    hashCache: served.hashCache,
    outbound: new OutboundTransfers(() => undefined),
    log,
    archiveProvider: embeddedUnrar,
    budget,
    tokens: new DataTokens(),
    hasSession: (peer) => sessions.has(peer),
    ...extra,
  };
  transport.onConnection((conn) => {
    serveTransferConnection(conn, ctx);
  });
  return { transport, addr: await transport.listen('127.0.0.1', 0), budget, sessions };
}

/** A fresh identity, ready to dial. */
export async function freshIdentity(
  dir: string,
): Promise<{ transport: Transport; peerId: PeerId }> {
  const identity = await loadOrCreateIdentity(await mkdtemp(join(dir, 'client-')), silentLogger);
  return {
    transport: new Transport({ identity, log: silentLogger }),
    peerId: identity.peerId,
  };
}
