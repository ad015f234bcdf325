/** The connections to other peers: listening, handshakes, one session per peer, losses, redials, discovery. */
import { DISCOVERY_OFF, Discovery, type DiscoveryStatus } from '../discovery/index.js';
import { LanspreadError, errorMessage } from '../errors.js';
import type { GameId, PeerId, SoftwareVersion } from '../ids.js';
import type { Identity } from '../identity/index.js';
import type { Logger } from '../logger.js';
import { formatHostPort, parseHostPort } from '../host-port.js';
import { Transport, type Connection, type InboundData } from '../net/index.js';
import {
  MAX_LIBRARY_GAMES,
  PROTOCOL_VERSION,
  type LibraryDelta,
  type PartialHolding,
  type PartialHoldings,
  type WireGame,
} from '../protocol/index.js';
import { DialBackoff } from './dial-backoff.js';
import { DialThrottle } from './dial-throttle.js';
import {
  PeerSession,
  type LivenessTimings,
  type LostReason,
  type SessionHandlers,
} from './peer-session.js';
import { PeerTable, type PeerRecord } from './peer-table.js';
import { UnreachedPeers, type UnreachedPeer } from './unreached-peers.js';

/** What the mesh tells its owner; the owner maps these to contract events. */
export type MeshEvent =
  | { kind: 'peer-connected'; peerId: PeerId; addr: string }
  | { kind: 'peer-lost'; peerId: PeerId; addr: string; reason: LostReason }
  | { kind: 'remote-library-changed'; peerId: PeerId }
  /** Its partial holdings changed: not a contract event (a few a second while it downloads). */
  | { kind: 'remote-partials-changed'; peerId: PeerId };

export interface PeerMeshOptions {
  identity: Identity;
  /** Shown to other peers. */
  name: string;
  /** Our lanspread release, told in hellos and discovery announcements. */
  software: SoftwareVersion;
  /** What we advertise, read at every handshake: it changes over time. */
  readonly library: () => readonly WireGame[];
  /** The remote games worth keeping (those our catalog knows); all when absent. */
  readonly keepGame?: (game: WireGame) => boolean;
  /** The remote partial holdings worth keeping (games our catalog knows); all when absent. */
  readonly keepPartial?: (game: GameId) => boolean;
  /** Our partial holdings now, sent to each peer once its session starts; none when absent. */
  readonly partials?: () => readonly PartialHolding[];
  liveness: LivenessTimings;
  log: Logger;
  readonly onEvent: (event: MeshEvent) => void;
  /** Inbound transfer connections (TLS proven) go to the transfer server. */
  readonly onTransfer: (conn: Connection) => void;
  /** An inbound data connection with its token, to redeem and serve or drop. */
  readonly onData?: (data: InboundData) => void;
  /** First redial of a lost peer, then the retry period; 1 s and 5 s by default. */
  redialFirstMs?: number;
  redialRetryMs?: number;
}

const GOODBYE_WAIT_MS = 1_000;
/**
 * Dials on a hint (discovery candidates, redials of lost peers), all together: 10 a second after
 * a burst of 20, at most 8 in flight, 64 waiting. A LAN party's peers starting together are
 * dialled within seconds; a flood of forged hints costs at most 8 sockets. `connect` is the
 * user's own choice and is not throttled.
 */
const HINT_DIAL_LIMITS = { perSecond: 10, burst: 20, maxInFlight: 8, maxQueued: 64 };
/**
 * Peer sessions held at once, one per identity: a LAN party is at most a few hundred peers, and
 * each session costs its library and a share of every aggregation. Past it a new identity is
 * refused with an `error` `peer-over-budget`.
 */
export const MAX_PEER_SESSIONS = 256;

export class PeerMesh {
  readonly #opts: PeerMeshOptions;
  readonly #transport: Transport;
  #discovery: Discovery | null = null;
  #addr = '';
  #listenPort = 0;
  /** Connections other peers opened to us (TLS proven): none while peers are known hints at a firewall. */
  #inboundConnections = 0;
  readonly #table: PeerTable;
  readonly #sessions = new Map<PeerId, PeerSession>();
  readonly #dialBackoff = new DialBackoff();
  readonly #unreached = new UnreachedPeers();
  /** Dials on a hint (a lost peer's address, a discovery candidate's), one per address. */
  readonly #hintedDials = new DialThrottle(HINT_DIAL_LIMITS);
  readonly #redials = new Map<PeerId, NodeJS.Timeout>();
  /**
   * Control connections whose hello exchange is under way (our hello already sent); several to
   * one peer id when both sides dial.
   */
  readonly #handshaking = new Set<Connection>();
  /** Losses held back while another handshake with the same peer may replace the session. */
  readonly #heldLosses = new Map<PeerId, { addr: string; reason: LostReason }>();
  readonly #onAdded = new Set<() => void>();
  #closing = false;

  constructor(opts: PeerMeshOptions) {
    this.#opts = opts;
    this.#table = new PeerTable(opts.keepGame);
    this.#transport = new Transport({ identity: opts.identity, log: opts.log });
    this.#transport.onConnection((conn) => {
      this.#inboundConnections++;
      if (conn.role === 'transfer') opts.onTransfer(conn);
      else void this.#accept(conn);
    });
    if (opts.onData !== undefined) this.#transport.onDataConnection(opts.onData);
  }

  /** Starts accepting connections; resolves with the `host:port` bound (port 0 picks one). */
  async listen(host: string, port: number): Promise<string> {
    const bound = await this.#transport.listen(host, port);
    this.#listenPort = bound.port;
    this.#addr = formatHostPort(bound.host, bound.port);
    return this.#addr;
  }

  get addr(): string {
    return this.#addr;
  }

  get inboundConnections(): number {
    return this.#inboundConnections;
  }

  /** Discovered peers no dial reached yet, most recent failure first. */
  unreachedPeers(): UnreachedPeer[] {
    return this.#unreached.list();
  }

  discoveryStatus(): DiscoveryStatus {
    return this.#discovery?.status() ?? DISCOVERY_OFF;
  }

  /** Candidates from mDNS and beacons are hints: dialled, proven by TLS, never trusted. */
  async startDiscovery(): Promise<void> {
    this.#discovery = await Discovery.start({
      peerId: this.#opts.identity.peerId,
      listenPort: this.#listenPort,
      name: this.#opts.name,
      protocolVersion: PROTOCOL_VERSION,
      software: this.#opts.software,
      mdns: true,
      beacon: true,
      log: this.#opts.log.child({ part: 'discovery' }),
      onCandidate: (candidate) => {
        const addr = formatHostPort(candidate.host, candidate.port);
        void this.dialHint(addr, candidate.claimedPeerId, candidate.via, candidate.software);
      },
    });
  }

  /** Opens a transfer connection to `peerId` at `addr`; refuses whoever else answers there. */
  async dialTransfer(
    source: { peerId: PeerId; addr: string },
    signal: AbortSignal,
  ): Promise<Connection> {
    const { host, port } = parseHostPort(source.addr);
    const conn = await this.#transport.dial(host, port, { role: 'transfer', signal });
    if (conn.remotePeerId !== source.peerId) {
      conn.destroy();
      throw new LanspreadError(
        'handshake-failed',
        `${source.addr} is no longer peer ${source.peerId.slice(0, 12)}`,
      );
    }
    return conn;
  }

  /** Opens a data connection to `source` with a token it issued (over a transfer connection). */
  dialData(
    source: { peerId: PeerId; addr: string },
    token: Buffer,
    signal: AbortSignal,
  ): Promise<Connection> {
    const { host, port } = parseHostPort(source.addr);
    return this.#transport.dialData(host, port, source.peerId, token, { signal });
  }

  get size(): number {
    return this.#table.size;
  }

  records(): PeerRecord[] {
    return this.#table.list();
  }

  record(id: PeerId): PeerRecord | undefined {
    return this.#table.get(id);
  }

  /** Takes an inbound control connection (TLS already proven) through the hello exchange. */
  async #accept(conn: Connection): Promise<void> {
    if (this.#closing) {
      conn.destroy();
      return;
    }
    if (this.#full(conn.remotePeerId)) {
      conn.refuse('peer-over-budget', sessionsFull());
      return;
    }
    try {
      await this.#establish(conn);
    } catch (err) {
      this.#opts.log.warn(
        { remote: conn.remoteAddress, err: errorMessage(err) },
        'inbound peer handshake failed',
      );
    }
  }

  /** Dials `host:port`, proves both identities and exchanges libraries; resolves to the remote id. */
  async connect(addr: string): Promise<PeerId> {
    const { host, port } = parseHostPort(addr);
    const known = this.#table.findByAddr(formatHostPort(host, port));
    if (known !== undefined) return known.peerId;
    const conn = await this.#transport.dial(host, port);
    return (await this.#establish(conn)).peerId;
  }

  /**
   * Dials an address that is only a hint of where `peerId` listens. TLS proves who answers: any
   * other identity there is dropped and creates no peer record (S60). Failures back off per
   * address, so a stale hint (a killed peer's mDNS record) costs little; all hinted dials share
   * one rate and cap (HINT_DIAL_LIMITS), and one beyond the queue is dropped (false).
   * `software` is the release the hint claims, kept to show while the peer stays unreached.
   */
  dialHint(
    addr: string,
    peerId: PeerId,
    via: string,
    software: SoftwareVersion | null = null,
  ): Promise<boolean> {
    if (!this.#worthDialling(addr, peerId)) return Promise.resolve(false);
    return this.#hintedDials.run(addr, () => this.#dialHinted(addr, peerId, { via, software }));
  }

  #worthDialling(addr: string, peerId: PeerId): boolean {
    return (
      !this.#closing &&
      peerId !== this.#opts.identity.peerId &&
      !this.#sessions.has(peerId) &&
      !this.#full(peerId) &&
      this.#dialBackoff.allowed(addr, Date.now())
    );
  }

  async #dialHinted(
    addr: string,
    peerId: PeerId,
    hint: { via: string; software: SoftwareVersion | null },
  ): Promise<boolean> {
    const { via } = hint;
    // The peer may have connected while this dial waited for its turn.
    if (!this.#worthDialling(addr, peerId)) return false;
    try {
      const { host, port } = parseHostPort(addr);
      const conn = await this.#transport.dial(host, port);
      if (conn.remotePeerId !== peerId) {
        conn.destroy();
        this.#dialBackoff.failed(addr, Date.now());
        this.#unreached.failed(peerId, {
          addr,
          ...hint,
          error: 'another peer answered at this address',
          nowMs: Date.now(),
        });
        this.#opts.log.warn(
          { addr, via, claimed: peerId, proven: conn.remotePeerId },
          'a hint named another peer id than the one that answered; no peer made',
        );
        return false;
      }
      await this.#establish(conn);
      this.#dialBackoff.succeeded(addr);
      return true;
    } catch (err) {
      this.#dialBackoff.failed(addr, Date.now());
      this.#unreached.failed(peerId, {
        addr,
        ...hint,
        error: errorMessage(err),
        nowMs: Date.now(),
      });
      this.#opts.log.debug(
        { addr, via, err: errorMessage(err) },
        'dial of a hinted address failed',
      );
      return false;
    }
  }

  /** Resolves once `count` peers are connected; `timeout` after `timeoutMs`. */
  waitPeers(count: number, timeoutMs: number): Promise<number> {
    if (this.#table.size >= count) return Promise.resolve(this.#table.size);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.#table.size < count) return;
        clearTimeout(timer);
        this.#onAdded.delete(check);
        resolve(this.#table.size);
      };
      const timer = setTimeout(() => {
        this.#onAdded.delete(check);
        reject(
          new LanspreadError(
            'timeout',
            `${this.#table.size} of ${count} peers connected after ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.#onAdded.add(check);
    });
  }

  /** Tells every connected peer how our partial holdings changed. */
  sendPartials(change: Pick<PartialHoldings, 'upsert' | 'remove'>): void {
    for (const session of this.#sessions.values()) session.sendPartials(change);
  }

  /** Tells every connected peer how our library changed. */
  sendDelta(delta: Pick<LibraryDelta, 'upsert' | 'remove'>): void {
    for (const session of this.#sessions.values()) session.sendDelta(delta);
  }

  /** Stops dialling, adopting and discovering: the first step of a shutdown. */
  async stop(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#hintedDials.close();
    for (const timer of this.#redials.values()) clearTimeout(timer);
    this.#redials.clear();
    // mDNS says goodbye on every interface; a failure there must not stop the shutdown.
    await this.#discovery?.close().catch((err: unknown) => {
      this.#opts.log.warn({ err: errorMessage(err) }, 'stopping discovery failed');
    });
  }

  /** Says goodbye to every peer so they drop us at once, then closes every socket. */
  async close(): Promise<void> {
    await this.stop();
    const ends = [...this.#sessions.values()].map(
      (session) =>
        new Promise<void>((done) => {
          session.connection.onClose(() => {
            done();
          });
          session.goodbye();
        }),
    );
    // The remote may already have adopted a connection whose hello exchange is still under way
    // here (a duplicate dial settling): it must hear the goodbye too, not see a bare close.
    for (const conn of this.#handshaking) {
      conn.send({ t: 'goodbye' });
      conn.close();
    }
    await Promise.race([Promise.all(ends), delay(GOODBYE_WAIT_MS)]);
    await this.#transport.close();
  }

  /** Exchanges hellos on a new control connection and adopts the session. */
  async #establish(conn: Connection): Promise<PeerSession> {
    const id = conn.remotePeerId;
    this.#handshaking.add(conn);
    try {
      const session = await PeerSession.establish(
        conn,
        {
          peerId: this.#opts.identity.peerId,
          name: this.#opts.name,
          software: this.#opts.software,
          listenPort: this.#listenPort,
          library: this.#opts.library(),
        },
        this.#opts.log,
        this.#opts.liveness,
      );
      this.#adopt(session);
      return session;
    } finally {
      this.#handshaking.delete(conn);
      const held = this.#heldLosses.get(id);
      if (this.#handshakesWith(id) === 0 && held !== undefined && !this.#sessions.has(id)) {
        this.#lose(id, held.addr, held.reason);
      }
    }
  }

  #handshakesWith(id: PeerId): number {
    let n = 0;
    for (const conn of this.#handshaking) if (conn.remotePeerId === id) n++;
    return n;
  }

  /** Whether a session with `id` would be one more than `MAX_PEER_SESSIONS`. */
  #full(id: PeerId): boolean {
    return !this.#sessions.has(id) && this.#sessions.size >= MAX_PEER_SESSIONS;
  }

  /**
   * Makes an established session the one connection to its peer. When both sides dialled each
   * other, both keep the connection dialled by the smaller peer id, so they agree without talking.
   */
  #adopt(session: PeerSession): void {
    if (this.#closing) {
      session.discard();
      return;
    }
    const id = session.peerId;
    if (this.#full(id)) {
      session.connection.refuse('peer-over-budget', sessionsFull());
      session.discard();
      throw new LanspreadError('peer-over-budget', sessionsFull());
    }
    const existing = this.#sessions.get(id);
    if (existing !== undefined) {
      const self = this.#opts.identity.peerId;
      const preferred = self < id ? self : id;
      const keepNew = existing.dialer === session.dialer || session.dialer === preferred;
      if (!keepNew) {
        session.discard();
        return;
      }
      existing.discard();
    }
    this.#sessions.set(id, session);
    this.#unreached.reached(id);
    this.#heldLosses.delete(id);
    clearTimeout(this.#redials.get(id));
    this.#redials.delete(id);
    const outcome = this.#table.upsert(id, {
      name: session.name,
      software: session.software,
      addr: session.addr,
      library: session.takeLibrary(),
      nowMs: Date.now(),
    });
    session.start(this.#handlers);
    const partials = this.#opts.partials?.() ?? [];
    if (partials.length > 0) session.sendPartials({ upsert: [...partials], remove: [] });
    this.#opts.log.info({ peer: id, addr: session.addr, outcome }, 'peer session established');
    if (outcome === 'added') {
      this.#opts.onEvent({ kind: 'peer-connected', peerId: id, addr: session.addr });
      for (const check of [...this.#onAdded]) check();
    }
    this.#opts.onEvent({ kind: 'remote-library-changed', peerId: id });
  }

  readonly #handlers: SessionHandlers = {
    onDelta: (session, delta) => {
      if (this.#sessions.get(session.peerId) !== session) return;
      this.#table.applyDelta(session.peerId, delta, Date.now());
      // A hello carries at most this many; deltas adding up past it would grow without bound.
      if ((this.#table.get(session.peerId)?.library.size ?? 0) > MAX_LIBRARY_GAMES) {
        session.connection.refuse(
          'protocol-error',
          `library deltas add up to more than ${MAX_LIBRARY_GAMES} games`,
        );
        return;
      }
      this.#opts.onEvent({ kind: 'remote-library-changed', peerId: session.peerId });
    },
    onPartials: (session, change) => {
      if (this.#sessions.get(session.peerId) !== session) return;
      this.#table.applyPartials(session.peerId, change, this.#opts.keepPartial ?? (() => true));
      this.#opts.onEvent({ kind: 'remote-partials-changed', peerId: session.peerId });
    },
    onAlive: (session) => {
      this.#table.touch(session.peerId, Date.now());
    },
    onEnd: (session, reason: LostReason) => {
      const id = session.peerId;
      if (this.#sessions.get(id) !== session) return;
      this.#sessions.delete(id);
      const addr = this.#table.get(id)?.addr ?? session.addr;
      // When both sides dialled at once, the other side closes the connection it did not keep,
      // possibly before the one it kept finished its handshake here: that is not a loss.
      if (reason === 'closed' && this.#handshakesWith(id) > 0) {
        this.#heldLosses.set(id, { addr, reason });
        return;
      }
      this.#lose(id, addr, reason);
    },
  };

  #lose(id: PeerId, addr: string, reason: LostReason): void {
    this.#heldLosses.delete(id);
    const software = this.#table.remove(id)?.software ?? null;
    this.#opts.log.info({ peer: id, reason }, 'peer lost');
    this.#opts.onEvent({ kind: 'peer-lost', peerId: id, addr, reason });
    // It may come back (a restart, a cable put back): try its address again, backing off.
    this.#scheduleRedial(id, { addr, software }, this.#opts.redialFirstMs ?? 1_000);
  }

  #scheduleRedial(
    peerId: PeerId,
    last: { addr: string; software: SoftwareVersion | null },
    delayMs: number,
  ): void {
    if (this.#closing) return;
    clearTimeout(this.#redials.get(peerId));
    const timer = setTimeout(() => {
      this.#redials.delete(peerId);
      void this.dialHint(last.addr, peerId, 'redial', last.software).then((ok) => {
        if (!ok && !this.#sessions.has(peerId)) {
          this.#scheduleRedial(peerId, last, this.#opts.redialRetryMs ?? 5_000);
        }
      });
    }, delayMs);
    timer.unref();
    this.#redials.set(peerId, timer);
  }
}

function sessionsFull(): string {
  return `this peer holds the ${MAX_PEER_SESSIONS} peer sessions it allows; try again later`;
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms).unref());
}
