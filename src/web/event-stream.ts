/** `GET /api/events`: every peer event as one WebSocket text message; the one file that imports ws. */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../logger.js';
import type { PeerEvent, PeerEventListener } from '../peer/index.js';

/** What the stream needs of a Peer: its events. */
export interface EventSource {
  onEvent(listener: PeerEventListener): () => void;
}

/** A client this far behind is not reading; it is closed rather than buffered without end. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** A client that misses a ping for this long is gone (a sleeping laptop, a pulled cable). */
const HEARTBEAT_MS = 30_000;

export class EventStream {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  readonly #clients = new Set<WebSocket>();
  /** Clients that answered the last ping. */
  readonly #alive = new WeakSet<WebSocket>();
  readonly #log: Logger;
  readonly #stop: () => void;
  readonly #heartbeat: NodeJS.Timeout;

  constructor(source: EventSource, log: Logger, opts: { heartbeatMs?: number } = {}) {
    this.#log = log;
    this.#stop = source.onEvent((event) => {
      this.#broadcast(event);
    });
    this.#heartbeat = setInterval(() => {
      this.#ping();
    }, opts.heartbeatMs ?? HEARTBEAT_MS).unref();
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** Completes an upgrade the caller has already guarded. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#clients.add(ws);
      this.#alive.add(ws);
      ws.on('pong', () => this.#alive.add(ws));
      ws.on('close', () => this.#clients.delete(ws));
      ws.on('error', (err) => {
        this.#log.debug({ err: err.message }, 'event stream client failed');
      });
      // Clients have nothing to say; messages are read and dropped.
      ws.on('message', () => undefined);
    });
  }

  /** Says goodbye (1001) to every client. */
  close(): void {
    this.#stop();
    clearInterval(this.#heartbeat);
    for (const ws of this.#clients) ws.close(1001, 'server shutting down');
    this.#wss.close();
  }

  #ping(): void {
    for (const ws of this.#clients) {
      if (!this.#alive.has(ws)) {
        this.#log.debug({}, 'event stream client missed a ping; closing it');
        this.#clients.delete(ws);
        ws.terminate();
        continue;
      }
      this.#alive.delete(ws);
      ws.ping();
    }
  }

  #broadcast(event: PeerEvent): void {
    if (this.#clients.size === 0) return;
    const text = JSON.stringify(event);
    for (const ws of this.#clients) {
      if (ws.readyState !== ws.OPEN) continue;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        this.#log.warn(
          { buffered: ws.bufferedAmount },
          'event stream client does not read; closing it',
        );
        this.#clients.delete(ws);
        ws.terminate();
        continue;
      }
      ws.send(text);
    }
  }
}
