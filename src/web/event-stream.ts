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

export class EventStream {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  readonly #clients = new Set<WebSocket>();
  readonly #log: Logger;
  readonly #stop: () => void;

  constructor(source: EventSource, log: Logger) {
    this.#log = log;
    this.#stop = source.onEvent((event) => {
      this.#broadcast(event);
    });
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** Completes an upgrade the caller has already guarded. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#clients.add(ws);
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
    for (const ws of this.#clients) ws.close(1001, 'server shutting down');
    this.#wss.close();
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
