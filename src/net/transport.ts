/**
 * The transport: listens and dials TLS 1.3, proving each remote's peer id by its key, and on the
 * same port takes plaintext data connections, which a token names (docs/protocol.md).
 */
import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import { addCount } from '../count-map.js';
import { errorMessage, LanspreadError } from '../errors.js';
import { formatHostPort } from '../host-port.js';
import type { PeerId } from '../ids.js';
import type { Logger } from '../logger.js';
import type { Identity } from '../identity/index.js';
import { Connection, ReadFeed, type ConnectionKind } from './connection.js';
import { classifyFirstBytes, DATA_HELLO_BYTES, DATA_MAGIC, encodeDataHello } from './data-hello.js';
import { FrameBudget } from './frame-budget.js';
import { countsFrames, frameLimitsFor } from './frame-limits.js';
import { KeyedRateLimit } from './rate-limit.js';
import {
  dialOptions,
  remotePeerIdOf,
  roleOf,
  serverOptions,
  type ConnectionRole,
} from './tls-settings.js';

export type { ConnectionRole } from './tls-settings.js';

export interface TransportOptions {
  identity: Identity;
  log: Logger;
  /** Inbound TLS handshakes that take longer are dropped; also the default dial timeout. */
  handshakeTimeoutMs?: number;
  limits?: InboundLimits;
  /** Bytes of half-received frames all connections may hold together (`DEFAULT_FRAME_BUDGET_BYTES`). */
  frameBudgetBytes?: number;
}

/**
 * Inbound sockets held at once; past these a new one is dropped unanswered. A backstop under
 * the transfer server's budgets (which answer `serve-over-budget`), so a flood of sockets,
 * control or transfer, costs a bounded number of descriptors.
 */
export interface InboundLimits {
  /** Sockets still in their TCP or TLS handshake. */
  handshaking: number;
  /** Established inbound connections, all identities together. */
  total: number;
  /** Established inbound connections of one identity. */
  perPeer: number;
}

export const DEFAULT_INBOUND_LIMITS: InboundLimits = { handshaking: 64, total: 512, perPeer: 32 };

export interface DialOptions {
  /** `control` when absent. */
  role?: ConnectionRole;
  signal?: AbortSignal;
  /** Covers the TCP connect and the TLS handshake together. */
  timeoutMs?: number;
}

export interface BoundAddress {
  host: string;
  port: number;
}

/** An inbound data connection that has sent its token, not yet adopted. */
export interface InboundData {
  readonly token: Buffer;
  readonly remoteAddress: string;
  /**
   * Adopts the socket as a data connection of `peerId` (the identity its token names); undefined
   * when that is over the inbound limits, and the socket was dropped.
   */
  accept(peerId: PeerId): Connection | undefined;
  /** Drops the socket without a byte sent. */
  reject(): void;
}

/**
 * A data connection reads into a buffer this large where its chunk's bytes cannot land in the
 * writer's own blocks (`Connection.landIn`: a cached writer; a chunk's first read is short), its
 * bytes hashed and written in place; the socket waits while they are. 4 MiB reads took a pinned
 * download from about 450 to 520 MiB/s and 1.55 to 1.35 CPU-s/GiB against 1 MiB (8 MiB gained
 * nothing more).
 */
const DATA_READ_BUFFER_BYTES = 4 * 1024 * 1024;

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
export class Transport {
  readonly #identity: Identity;
  readonly #log: Logger;
  readonly #handshakeTimeoutMs: number;
  readonly #limits: InboundLimits;
  readonly #frameBudget: FrameBudget;
  /** Established inbound connections per remote identity; entries at zero are dropped. */
  readonly #inbound = new Map<PeerId, number>();
  #inboundTotal = 0;
  readonly #dropLogLimit = new KeyedRateLimit({ burst: 20, refillMs: 1_000 });
  #droppedUnlogged = 0;
  readonly #connectionListeners = new Set<(conn: Connection) => void>();
  readonly #dataListeners = new Set<(data: InboundData) => void>();
  readonly #connections = new Set<Connection>();
  /** Sockets still in their TCP or TLS handshake, both directions, so that close() can drop them. */
  readonly #handshaking = new Set<Socket>();
  /** Inbound sockets not yet through TLS, by remote address and port: what the handshake limit counts. */
  readonly #inboundHandshakes = new Map<string, Socket>();
  #server: net.Server | undefined;
  #closed = false;

  constructor(opts: TransportOptions) {
    this.#identity = opts.identity;
    this.#log = opts.log;
    this.#handshakeTimeoutMs = opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    this.#limits = opts.limits ?? DEFAULT_INBOUND_LIMITS;
    this.#frameBudget = new FrameBudget(opts.frameBudgetBytes);
  }

  /** Inbound connections, delivered once TLS is done and the remote's id is known. */
  onConnection(listener: (conn: Connection) => void): () => void {
    this.#connectionListeners.add(listener);
    return () => this.#connectionListeners.delete(listener);
  }

  /** Inbound data connections, delivered with their token for the listener to redeem. */
  onDataConnection(listener: (data: InboundData) => void): () => void {
    this.#dataListeners.add(listener);
    return () => this.#dataListeners.delete(listener);
  }

  /** Starts accepting connections; resolves with the address actually bound (port 0 picks one). */
  listen(host: string, port: number): Promise<BoundAddress> {
    if (this.#closed)
      return Promise.reject(new LanspreadError('shutting-down', 'the transport is closed'));
    if (this.#server !== undefined) {
      return Promise.reject(
        new LanspreadError('listen-failed', 'the transport is already listening'),
      );
    }
    // One port for both kinds: a plain TCP server reads the first bytes and hands TLS on to a
    // TLS server that never listens itself.
    const tlsServer = tls.createServer(serverOptions(this.#identity, this.#handshakeTimeoutMs));
    const server = net.createServer();
    this.#server = server;
    server.on('connection', (raw: Socket) => {
      if (this.#inboundHandshakes.size >= this.#limits.handshaking) {
        this.#warnDropped(
          { remote_address: normalizeAddress(raw.remoteAddress), remote_port: raw.remotePort },
          `over the budget of ${this.#limits.handshaking} handshakes at once`,
        );
        raw.destroy();
        return;
      }
      this.#handshaking.add(raw);
      const key = socketKey(raw);
      this.#inboundHandshakes.set(key, raw);
      raw.once('close', () => {
        this.#handshaking.delete(raw);
        if (this.#inboundHandshakes.get(key) === raw) this.#inboundHandshakes.delete(key);
      });
      this.#sniff(raw, tlsServer);
    });
    tlsServer.on('secureConnection', (socket: tls.TLSSocket) => {
      // The TLS socket is the raw one wrapped: same address and port.
      this.#inboundHandshakes.delete(socketKey(socket));
      this.#accept(socket);
    });
    tlsServer.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
      const { remoteAddress, remotePort } = socket; // read before destroy() clears them
      // Node leaves the socket open after some of these errors (e.g. the handshake timeout).
      socket.destroy();
      if (this.#closed) return;
      // A socket already gone has no address left: a client that hung up mid-handshake, not a bad one.
      if (remoteAddress === undefined) {
        this.#log.debug(
          { reason: err.message },
          'an inbound connection hung up during the TLS handshake',
        );
        return;
      }
      this.#warnDropped(
        { remote_address: normalizeAddress(remoteAddress), remote_port: remotePort },
        `TLS handshake failed: ${err.message}`,
      );
    });
    return new Promise<BoundAddress>((resolve, reject) => {
      const onListenError = (err: Error): void => {
        this.#server = undefined;
        reject(
          new LanspreadError(
            'listen-failed',
            `cannot listen on ${formatHostPort(host, port)}: ${err.message}`,
            { cause: err },
          ),
        );
      };
      server.once('error', onListenError);
      const onListening = (): void => {
        server.off('error', onListenError);
        server.on('error', (err: Error) => {
          this.#log.error({ err: err.message }, 'listening socket failed');
        });
        const address = server.address();
        if (address === null || typeof address === 'string') {
          reject(
            new LanspreadError(
              'listen-failed',
              `listening on ${formatHostPort(host, port)} gave no TCP address`,
            ),
          );
          return;
        }
        resolve({ host: normalizeAddress(address.address), port: address.port });
      };
      try {
        server.listen(port, host, onListening);
      } catch (err) {
        // A port outside 0..65535 throws at once instead of emitting 'error'.
        onListenError(err instanceof Error ? err : new Error(errorMessage(err)));
      }
    });
  }

  /**
   * Connects to `host:port` and proves the remote's id. Rejects with `self-connect` when the
   * remote is this very peer, `connect-failed` when it cannot be reached or the handshake fails.
   */
  dial(host: string, port: number, opts: DialOptions = {}): Promise<Connection> {
    const feed = new ReadFeed();
    return this.#connect(
      host,
      port,
      opts,
      () => tls.connect(dialOptions(this.#identity, host, port, feed, opts.role)),
      'secureConnect',
      (socket, settle, fail) => {
        const remotePeerId = remotePeerIdOf(socket);
        if (remotePeerId === undefined) {
          fail('the remote presented no certificate');
          return undefined;
        }
        if (remotePeerId === this.#identity.peerId) {
          settle();
          // end(), not destroy(): our Finished must reach the listener, which then refuses us too.
          endSoon(socket);
          throw new LanspreadError(
            'self-connect',
            `${formatHostPort(host, port)} is this very peer`,
          );
        }
        settle();
        const role = roleOf(socket.alpnProtocol) ?? 'control';
        return this.#adopt(socket, role, remotePeerId, false, host, port, feed);
      },
    );
  }

  /**
   * Opens a plaintext data connection to `host:port` with `token` (issued by `peerId` over TLS).
   * Nothing proves who answers: whatever it sends is checked against the manifest's hashes.
   */
  dialData(
    host: string,
    port: number,
    peerId: PeerId,
    token: Buffer,
    opts: Omit<DialOptions, 'role'> = {},
  ): Promise<Connection> {
    const hello = encodeDataHello(token);
    const feed = new ReadFeed(DATA_READ_BUFFER_BYTES);
    return this.#connect(
      host,
      port,
      opts,
      () =>
        net.connect({ host, port, onread: { buffer: feed.nextBuffer, callback: feed.callback } }),
      'connect',
      (socket, settle) => {
        settle();
        socket.write(hello);
        return this.#adopt(socket, 'data', peerId, false, host, port, feed);
      },
    );
  }

  /**
   * The part of a dial both kinds share: the timeout over connect and handshake, the abort, the
   * errors. `ready` runs on `readyEvent` and calls `settle` (or `fail`) before it adopts the socket.
   */
  #connect<S extends Socket>(
    host: string,
    port: number,
    opts: Omit<DialOptions, 'role'>,
    open: () => S,
    readyEvent: 'connect' | 'secureConnect',
    ready: (
      socket: S,
      settle: () => void,
      fail: (reason: string) => void,
    ) => Connection | undefined,
  ): Promise<Connection> {
    const where = formatHostPort(host, port);
    const timeoutMs = opts.timeoutMs ?? this.#handshakeTimeoutMs;
    const { signal } = opts;
    return new Promise<Connection>((resolve, reject) => {
      if (this.#closed) {
        reject(new LanspreadError('shutting-down', 'the transport is closed'));
        return;
      }
      if (signal?.aborted === true) {
        reject(
          new LanspreadError('connect-failed', `dial to ${where} aborted`, {
            cause: signal.reason,
          }),
        );
        return;
      }
      let socket: S;
      try {
        socket = open();
      } catch (err) {
        // A bad port or host throws at once instead of emitting 'error'.
        reject(
          new LanspreadError('connect-failed', `cannot connect to ${where}: ${errorMessage(err)}`, {
            cause: err,
          }),
        );
        return;
      }
      this.#handshaking.add(socket);
      let tcpConnected = false;
      let settled = false;
      const tls = readyEvent === 'secureConnect';

      const settle = (): void => {
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.off('close', onClose);
        this.#handshaking.delete(socket);
      };
      const fail = (reason: string, cause?: unknown): void => {
        if (settled) return;
        settle();
        socket.destroy();
        reject(
          this.#closed
            ? new LanspreadError('shutting-down', 'the transport closed during the dial')
            : new LanspreadError('connect-failed', `cannot connect to ${where}: ${reason}`, {
                cause,
              }),
        );
      };
      // Stays attached on failure paths: an error the destroyed socket emits later must not go unhandled.
      const onError = (err: Error): void => {
        fail(
          tcpConnected && tls ? `TLS handshake failed: ${err.message}` : describeConnectError(err),
          err,
        );
      };
      const onClose = (): void => {
        fail(
          tcpConnected
            ? 'the remote closed the connection during the TLS handshake'
            : 'the connection closed',
        );
      };
      const onAbort = (): void => {
        fail('aborted', signal?.reason);
      };
      const timer = setTimeout(() => {
        fail(
          tcpConnected
            ? `the TLS handshake did not finish within ${timeoutMs} ms`
            : `no TCP connection within ${timeoutMs} ms`,
        );
      }, timeoutMs);

      signal?.addEventListener('abort', onAbort, { once: true });
      socket.on('error', onError);
      socket.once('close', onClose);
      socket.once('connect', () => {
        tcpConnected = true;
      });
      socket.once(readyEvent, () => {
        if (settled) return;
        try {
          const conn = ready(socket, settle, fail);
          if (conn === undefined) return;
          socket.off('error', onError);
          resolve(conn);
        } catch (err) {
          reject(err instanceof Error ? err : new Error(errorMessage(err)));
        }
      });
    });
  }

  /** Stops listening and destroys every connection, established or still in its handshake. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#connectionListeners.clear();
    for (const socket of this.#handshaking) socket.destroy();
    for (const conn of this.#connections) conn.destroy();
    const server = this.#server;
    if (server === undefined || !server.listening) return;
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }

  /**
   * One warning per dropped connection, but a flood (a port scan, a broken client in a loop)
   * gets a burst of lines and then one a second, each saying how many were left out.
   */
  #warnDropped(where: Record<string, unknown>, reason: string): void {
    if (!this.#dropLogLimit.take('dropped', Date.now())) {
      this.#droppedUnlogged++;
      return;
    }
    const unlogged = this.#droppedUnlogged;
    this.#droppedUnlogged = 0;
    this.#log.warn(
      { ...where, reason, ...(unlogged > 0 ? { not_logged_since: unlogged } : {}) },
      'dropped an inbound connection',
    );
  }

  #accept(socket: tls.TLSSocket): void {
    const where = {
      remote_address: normalizeAddress(socket.remoteAddress),
      remote_port: socket.remotePort,
    };
    if (this.#closed) {
      socket.destroy();
      return;
    }
    const remotePeerId = remotePeerIdOf(socket);
    if (remotePeerId === undefined) {
      this.#warnDropped(where, 'no client certificate');
      socket.destroy();
      return;
    }
    if (remotePeerId === this.#identity.peerId) {
      this.#log.info(where, 'refused an inbound connection from this very peer (self-connect)');
      socket.destroy();
      return;
    }
    const role = roleOf(socket.alpnProtocol);
    if (role === undefined) {
      this.#warnDropped(where, 'no lanspread ALPN protocol');
      socket.destroy();
      return;
    }
    if (this.#connectionListeners.size === 0) {
      this.#warnDropped(where, 'nobody accepts connections');
      socket.destroy();
      return;
    }
    const conn = this.#adoptInbound(socket, role, remotePeerId, where);
    if (conn === undefined) return;
    for (const listener of [...this.#connectionListeners]) {
      try {
        listener(conn);
      } catch (err) {
        this.#log.error(
          { ...where, err: errorMessage(err) },
          'connection listener threw; closing the connection',
        );
        conn.destroy(err instanceof Error ? err : new Error(errorMessage(err)));
        return;
      }
    }
  }

  /**
   * Reads an inbound socket's first bytes: a TLS handshake goes on to `tlsServer`, the magic of a
   * data connection and its token to the data listeners; anything else, or nothing within the
   * handshake timeout, is dropped.
   */
  #sniff(raw: Socket, tlsServer: tls.Server): void {
    const where = (): Record<string, unknown> => ({
      remote_address: normalizeAddress(raw.remoteAddress),
      remote_port: raw.remotePort,
    });
    let got: Buffer = Buffer.alloc(0);
    const done = (): void => {
      clearTimeout(timer);
      raw.off('data', onData);
      raw.off('error', onError);
      raw.pause();
    };
    const drop = (reason: string): void => {
      done();
      this.#warnDropped(where(), reason);
      raw.destroy();
    };
    const onError = (): void => {
      done();
      raw.destroy();
    };
    const onData = (chunk: Buffer): void => {
      got = got.length === 0 ? chunk : Buffer.concat([got, chunk]);
      const kind = classifyFirstBytes(got);
      if (kind === 'more') return;
      if (kind === 'unknown') {
        drop('neither TLS nor a data connection');
        return;
      }
      done();
      if (kind === 'tls') {
        // The TLS socket takes the bytes already read from the raw socket's buffer first.
        raw.unshift(got);
        tlsServer.emit('connection', raw);
        return;
      }
      const rest = got.subarray(DATA_HELLO_BYTES);
      if (rest.length > 0) raw.unshift(rest);
      this.#acceptData(raw, Buffer.from(got.subarray(DATA_MAGIC.length, DATA_HELLO_BYTES)));
    };
    const timer = setTimeout(() => {
      drop(`sent no TLS handshake or data token within ${this.#handshakeTimeoutMs} ms`);
    }, this.#handshakeTimeoutMs);
    raw.on('error', onError);
    raw.on('data', onData);
  }

  #acceptData(raw: Socket, token: Buffer): void {
    this.#inboundHandshakes.delete(socketKey(raw));
    this.#handshaking.delete(raw);
    const remoteAddress = normalizeAddress(raw.remoteAddress);
    const where = { remote_address: remoteAddress, remote_port: raw.remotePort };
    // Until a listener settles it: an error now must not go unhandled.
    const ignore = (): void => undefined;
    raw.on('error', ignore);
    const listener = [...this.#dataListeners][0];
    if (this.#closed || listener === undefined) {
      raw.destroy();
      return;
    }
    listener({
      token,
      remoteAddress,
      accept: (peerId) => {
        raw.off('error', ignore);
        return this.#adoptInbound(raw, 'data', peerId, where);
      },
      reject: () => {
        raw.destroy();
      },
    });
  }

  /** Adopts an inbound socket within the inbound limits, counting it for its identity. */
  #adoptInbound(
    socket: Socket,
    role: ConnectionKind,
    remotePeerId: PeerId,
    where: Record<string, unknown>,
  ): Connection | undefined {
    const held = this.#inbound.get(remotePeerId) ?? 0;
    if (this.#inboundTotal >= this.#limits.total || held >= this.#limits.perPeer) {
      this.#warnDropped(
        { ...where, peer: remotePeerId.slice(0, 12) },
        this.#inboundTotal >= this.#limits.total
          ? `over the budget of ${this.#limits.total} inbound connections`
          : `over the budget of ${this.#limits.perPeer} inbound connections per identity`,
      );
      socket.destroy();
      return undefined;
    }
    const remoteAddress = normalizeAddress(socket.remoteAddress);
    const conn = this.#adopt(
      socket,
      role,
      remotePeerId,
      true,
      remoteAddress,
      socket.remotePort ?? 0,
    );
    addCount(this.#inbound, remotePeerId, 1);
    this.#inboundTotal++;
    conn.onClose(() => {
      this.#inboundTotal--;
      addCount(this.#inbound, remotePeerId, -1);
    });
    return conn;
  }

  #adopt(
    socket: Socket,
    role: ConnectionKind,
    remotePeerId: PeerId,
    inbound: boolean,
    fallbackHost: string,
    fallbackPort: number,
    feed?: ReadFeed,
  ): Connection {
    const conn = new Connection(socket, {
      role,
      frameLimits: frameLimitsFor(role, inbound),
      ...(countsFrames(role, inbound) ? { frameBudget: this.#frameBudget } : {}),
      remotePeerId,
      remoteAddress: normalizeAddress(socket.remoteAddress ?? fallbackHost),
      remotePort: socket.remotePort ?? fallbackPort,
      inbound,
      log: this.#log,
      ...(feed === undefined ? {} : { feed }),
    });
    this.#connections.add(conn);
    conn.onClose(() => this.#connections.delete(conn));
    return conn;
  }
}

function socketKey(socket: Socket): string {
  return `${socket.remoteAddress ?? ''}|${socket.remotePort ?? 0}`;
}

/** Ends a socket gracefully, destroying it if the remote does not close it soon after. */
function endSoon(socket: tls.TLSSocket): void {
  const timer = setTimeout(() => socket.destroy(), 2_000);
  timer.unref();
  socket.once('close', () => {
    clearTimeout(timer);
  });
  socket.end();
}

/** The IP of a socket address, an IPv4-mapped IPv6 address (`::ffff:10.0.0.2`) given as IPv4. */
export function normalizeAddress(address: string | undefined): string {
  if (address === undefined) return '';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped?.[1] ?? address;
}

function describeConnectError(err: Error): string {
  const code = 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to the host (${code})`;
    case 'ENOTFOUND':
      return 'unknown host name';
    case 'ETIMEDOUT':
      return 'the TCP connect timed out';
    default:
      return err.message;
  }
}
