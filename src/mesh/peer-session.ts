/** One control connection to a remote peer: hello exchange, library deltas, liveness, goodbye. */
import { LanspreadError, type ErrorCode } from '../errors.js';
import { formatHostPort } from '../host-port.js';
import { shortPeerId, type PeerId, type SoftwareVersion } from '../ids.js';
import type { Logger } from '../logger.js';
import { remoteName } from '../terminal-text.js';
import { TokenBucket, type Connection } from '../net/index.js';
import {
  PROTOCOL_VERSION,
  type Hello,
  type LibraryDelta,
  type PartialHoldings,
  type WireGame,
  type WireMessage,
} from '../protocol/index.js';

export type LostReason = 'goodbye' | 'timeout' | 'closed' | 'error';

export interface LivenessTimings {
  /** How long the remote may take to send its hello. */
  helloTimeoutMs: number;
  /** Interval of our pings. */
  pingIntervalMs: number;
  /** A peer silent for this long is dropped with reason `timeout`. */
  silenceTimeoutMs: number;
}

export const DEFAULT_LIVENESS: LivenessTimings = {
  helloTimeoutMs: 10_000,
  pingIntervalMs: 5_000,
  silenceTimeoutMs: 15_000,
};

/** Timings that drop a silent peer after `silenceMs`, pinging often enough to never drop a live one. */
export function livenessFor(silenceMs: number): LivenessTimings {
  return {
    helloTimeoutMs: DEFAULT_LIVENESS.helloTimeoutMs,
    pingIntervalMs: Math.max(
      250,
      Math.min(DEFAULT_LIVENESS.pingIntervalMs, Math.floor(silenceMs / 3)),
    ),
    silenceTimeoutMs: silenceMs,
  };
}

/**
 * Library deltas a remote may send: 10 a second after a burst of 40, a delta of many games
 * costing one more per 1,000 of them. Past that we stop reading its connection until it is back
 * within the rate, so a storm costs a bounded share of the event loop and of the events shown
 * to the user (unthrottled, one session sent 1.3 million deltas in 8 s and held `status` up for
 * 9 s). An honest peer sends a delta when its library changes: a few a minute.
 */
export const DELTA_RATE = { burst: 40, refillMs: 100, gamesPerToken: 1_000 };

export interface SessionHandlers {
  onDelta(session: PeerSession, delta: LibraryDelta): void;
  /** Absent: partial holdings are read and ignored. */
  onPartials?(session: PeerSession, change: PartialHoldings): void;
  onAlive(session: PeerSession): void;
  /** Fires once, after the session was established, when it ends for any reason. */
  onEnd(session: PeerSession, reason: LostReason): void;
}

export interface LocalHello {
  peerId: PeerId;
  name: string;
  /** Our lanspread release (src/software-version.ts). */
  software: SoftwareVersion;
  listenPort: number;
  library: readonly WireGame[];
}

export class PeerSession {
  readonly connection: Connection;
  /** The port its hello said it accepts connections on. */
  readonly listenPort: number;
  /** The name its hello gave, as we keep and show it: no control or bidi characters. */
  readonly name: string;
  /** The lanspread release its hello named; null if its protocol let it name none. */
  readonly software: SoftwareVersion | null;
  /** Peer id of the side that dialled this connection; used to settle duplicate connections. */
  readonly dialer: PeerId;
  readonly #log: Logger;
  readonly #timings: LivenessTimings;
  #handlers: SessionHandlers | undefined;
  #ending: LostReason | undefined;
  #ended = false;
  #lastHeardMs = Date.now();
  /** When the remote last sent something other than a pong (it pings, or has news). */
  #lastUnaskedMs = 0;
  #pingSeq = 0;
  #timer: NodeJS.Timeout | undefined;
  /** The hello's library until the owner takes it (`takeLibrary`): it is not kept twice. */
  #library: readonly WireGame[] | undefined;
  readonly #deltaBudget = new TokenBucket(DELTA_RATE, Date.now());
  #throttle: NodeJS.Timeout | undefined;

  readonly #early: WireMessage[];
  started = false;

  private constructor(
    connection: Connection,
    hello: Pick<Hello, 'name' | 'software' | 'listen_port' | 'library'>,
    dialer: PeerId,
    log: Logger,
    timings: LivenessTimings,
    early: WireMessage[],
  ) {
    this.#early = early;
    this.connection = connection;
    this.listenPort = hello.listen_port;
    this.#library = hello.library;
    this.name = remoteName(hello.name, shortPeerId(connection.remotePeerId));
    this.software = hello.software ?? null;
    this.dialer = dialer;
    this.#log = log;
    this.#timings = timings;
  }

  get peerId(): PeerId {
    return this.connection.remotePeerId;
  }

  /** `host:port` where the remote accepts connections: the socket's address and its hello's port. */
  get addr(): string {
    return formatHostPort(this.connection.remoteAddress, this.listenPort);
  }

  /** The library the remote's hello carried; empty after the first call. */
  takeLibrary(): readonly WireGame[] {
    const library = this.#library ?? [];
    this.#library = undefined;
    return library;
  }

  /**
   * Sends our hello and waits for theirs. The remote must prove in hello the id its TLS key
   * proved, speak our protocol version, and say nothing before hello.
   */
  static async establish(
    connection: Connection,
    local: LocalHello,
    log: Logger,
    timings: LivenessTimings = DEFAULT_LIVENESS,
  ): Promise<PeerSession> {
    connection.send({
      t: 'hello',
      protocol: PROTOCOL_VERSION,
      software: local.software,
      peer_id: local.peerId,
      name: local.name,
      listen_port: local.listenPort,
      library: [...local.library],
    });
    // One listener serves the whole session: messages that arrive after hello but before
    // start() (possibly in the same TCP read as hello) wait in `early` instead of being lost.
    const early: WireMessage[] = [];
    const bound: { session?: PeerSession } = {};
    let settle: ((msg: WireMessage) => void) | undefined;
    let refused = false;
    connection.onMessage((msg) => {
      if (settle !== undefined) settle(msg);
      else if (bound.session?.started === true) bound.session.receive(msg);
      else early.push(msg);
    });
    const hello = await new Promise<WireMessage & { t: 'hello' }>((resolve, reject) => {
      const timer = setTimeout(() => {
        fail(
          new LanspreadError('handshake-failed', `no hello within ${timings.helloTimeoutMs} ms`),
        );
      }, timings.helloTimeoutMs);
      const stopWatchingClose = connection.onClose(() => {
        fail(new LanspreadError('handshake-failed', 'connection closed before hello'));
      });
      const fail = (err: LanspreadError): void => {
        clearTimeout(timer);
        stopWatchingClose();
        settle = undefined;
        reject(err);
      };
      settle = (msg) => {
        if (msg.t === 'error') {
          // Rule 10: a remote may say why it closes, e.g. that it holds all the sessions it allows.
          fail(new LanspreadError(refusalCode(msg.code), `the remote refused: ${msg.message}`));
        } else if (msg.t !== 'hello') {
          fail(new LanspreadError('protocol-error', `expected hello, got ${msg.t}`));
        } else if (msg.protocol !== PROTOCOL_VERSION) {
          // Closed gently, not destroyed: a destroyed socket drops the refusal unsent.
          refused = true;
          connection.refuse('protocol-error', `protocol ${PROTOCOL_VERSION} only`);
          fail(
            new LanspreadError(
              'handshake-failed',
              `remote speaks protocol ${msg.protocol}, we speak ${PROTOCOL_VERSION}`,
            ),
          );
        } else if (msg.peer_id !== connection.remotePeerId) {
          fail(
            new LanspreadError(
              'handshake-failed',
              'hello names a peer id its TLS key does not prove',
            ),
          );
        } else {
          clearTimeout(timer);
          stopWatchingClose();
          settle = undefined;
          resolve(msg);
        }
      };
    }).catch((err: unknown) => {
      if (!refused) connection.destroy();
      throw err;
    });
    const dialer = connection.inbound ? connection.remotePeerId : local.peerId;
    bound.session = new PeerSession(
      connection,
      hello,
      dialer,
      log.child({ peer: connection.remotePeerId.slice(0, 12) }),
      timings,
      early,
    );
    return bound.session;
  }

  /** Starts delivering messages and liveness checks to the handlers. */
  start(handlers: SessionHandlers): void {
    this.#handlers = handlers;
    this.#lastHeardMs = Date.now();
    this.started = true;
    for (const msg of this.#early.splice(0)) this.receive(msg);
    this.connection.onClose((info) => {
      this.#end(this.#ending ?? (info.reason === 'error' ? 'error' : 'closed'));
    });
    this.#timer = setInterval(() => {
      this.#tick();
    }, this.#timings.pingIntervalMs);
    this.#timer.unref();
  }

  sendDelta(delta: Pick<LibraryDelta, 'upsert' | 'remove'>): void {
    this.connection.send({ t: 'library-delta', upsert: delta.upsert, remove: delta.remove });
  }

  sendPartials(change: Pick<PartialHoldings, 'upsert' | 'remove'>): void {
    this.connection.send({ t: 'partial-holdings', upsert: change.upsert, remove: change.remove });
  }

  /** Graceful end: tell the remote first, so it drops us at once instead of timing out. */
  goodbye(): void {
    this.connection.send({ t: 'goodbye' });
    this.#ending ??= 'closed';
    this.connection.close();
  }

  /** Ends a duplicate connection without reporting the peer lost. */
  discard(): void {
    this.#handlers = undefined;
    this.connection.close();
    this.#stop();
  }

  /** Handles one message of an established session (called by the connection listener). */
  receive(msg: WireMessage): void {
    this.#lastHeardMs = Date.now();
    if (msg.t !== 'pong') this.#lastUnaskedMs = this.#lastHeardMs;
    this.#handlers?.onAlive(this);
    switch (msg.t) {
      case 'library-delta':
        this.#handlers?.onDelta(this, msg);
        this.#chargeDelta(msg);
        return;
      case 'partial-holdings':
        // Charged like a delta: a sender batches them to a few a second.
        this.#handlers?.onPartials?.(this, msg);
        this.#chargeDelta(msg);
        return;
      case 'ping':
        this.connection.send({ t: 'pong', seq: msg.seq });
        return;
      case 'pong':
        return;
      case 'goodbye':
        this.#ending = 'goodbye';
        this.connection.close();
        return;
      case 'error':
        this.#log.warn({ code: msg.code, message: msg.message }, 'peer reported an error');
        this.#ending = 'error';
        this.connection.close();
        return;
      case 'hello':
      case 'get-manifest':
      case 'manifest':
      case 'get-chunk':
      case 'chunk':
      case 'refused':
        this.#log.warn({ t: msg.t }, 'unexpected message on a control session; closing it');
        this.#ending = 'error';
        this.connection.destroy();
        return;
    }
  }

  /** Stops reading the remote while it is over `DELTA_RATE`; cuts it when it is far over. */
  #chargeDelta(delta: LibraryDelta | PartialHoldings): void {
    const games = delta.upsert.length + delta.remove.length;
    const cost = 1 + Math.floor(games / DELTA_RATE.gamesPerToken);
    const waitMs = this.#deltaBudget.spend(Date.now(), cost);
    if (waitMs === 0 || this.#throttle !== undefined) return;
    // Paused longer than this, it would pass for silent; it is a storm, not a peer.
    if (waitMs > this.#timings.silenceTimeoutMs / 2) {
      this.#ending = 'error';
      this.connection.refuse(
        'peer-over-budget',
        `library deltas faster than ${1_000 / DELTA_RATE.refillMs} a second`,
      );
      return;
    }
    this.connection.pause();
    this.#throttle = setTimeout(() => {
      this.#throttle = undefined;
      this.#lastHeardMs = Date.now();
      this.connection.resume();
    }, waitMs);
    this.#throttle.unref();
  }

  #tick(): void {
    if (Date.now() - this.#lastHeardMs > this.#timings.silenceTimeoutMs) {
      this.#log.warn({ silent_ms: Date.now() - this.#lastHeardMs }, 'peer stopped answering pings');
      this.#ending = 'timeout';
      this.connection.destroy();
      return;
    }
    // A remote that pinged us (or sent anything unasked) lately is alive, and our pong proves us
    // to it: between two peers only one side ends up pinging, half the traffic of an idle mesh.
    if (Date.now() - this.#lastUnaskedMs < this.#timings.pingIntervalMs) return;
    this.connection.send({ t: 'ping', seq: this.#pingSeq++ });
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    clearTimeout(this.#throttle);
  }

  #end(reason: LostReason): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#stop();
    this.#handlers?.onEnd(this, reason);
  }
}

/** The code a refusal before hello fails with: the remote's own only when it is ours to hear. */
function refusalCode(code: string): ErrorCode {
  return code === 'peer-over-budget' ? code : 'handshake-failed';
}
