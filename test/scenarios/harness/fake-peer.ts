/** A test double that speaks the real protocol, so a scenario can play a peer no real one would be. */
import type { GameId } from '../../../src/ids.js';
import { loadOrCreateIdentity } from '../../../src/identity/index.js';
import { silentLogger } from '../../../src/logger.js';
import { Transport, type Connection } from '../../../src/net/index.js';
import { PeerSession } from '../../../src/mesh/index.js';
import type { PartialHolding, WireGame, WireMessage } from '../../../src/protocol/index.js';
import { softwareVersion } from '../../../src/software-version.js';

export interface FakePeer {
  addr: string;
  peerId: string;
  close(): Promise<void>;
}

/** What the double does with each request on a transfer connection. */
export type OnTransfer = (conn: Connection, msg: WireMessage) => void;

/** Answers a `get-chunk` of `game` with as many bytes as asked, every one of them wrong ('A'). */
export function answerWithJunk(conn: Connection, game: GameId, msg: WireMessage): void {
  if (msg.t !== 'get-chunk') return;
  conn.send({ t: 'chunk', game, path: msg.path, offset: msg.offset, length: msg.length });
  conn.sendData(Buffer.alloc(msg.length, 0x41));
}

/**
 * A Transport with a real identity, a control session advertising `library` (and `partials`, as
 * a peer downloading those games would), and `onTransfer` answering every transfer request.
 */
export async function startFakePeer(
  stateDir: string,
  name: string,
  library: WireGame[],
  onTransfer: OnTransfer,
  partials: PartialHolding[] = [],
): Promise<FakePeer> {
  const identity = await loadOrCreateIdentity(stateDir, silentLogger);
  const transport = new Transport({ identity, log: silentLogger });
  transport.onConnection((conn: Connection) => {
    if (conn.role === 'transfer') {
      conn.onMessage((msg) => {
        // The double serves over TLS only: like a peer of an earlier build, it closes the
        // connection on a token request, and the receiver fetches from it over TLS.
        if (msg.t === 'get-data-token') conn.destroy();
        else onTransfer(conn, msg);
      });
      return;
    }
    void PeerSession.establish(
      conn,
      { peerId: identity.peerId, name, software: softwareVersion(), listenPort: port, library },
      silentLogger,
    ).then(
      (session) => {
        session.start({
          onDelta: () => undefined,
          onAlive: () => undefined,
          onEnd: () => undefined,
        });
        if (partials.length > 0) session.sendPartials({ upsert: partials, remove: [] });
      },
      () => undefined,
    );
  });
  const { port } = await transport.listen('127.0.0.1', 0);
  return { addr: `127.0.0.1:${port}`, peerId: identity.peerId, close: () => transport.close() };
}
