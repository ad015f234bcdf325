/** The event WebSocket of a running `lanspread serve` (`GET /api/events`): one event per message. */
import WebSocket from 'ws';
import type { PeerEvent } from '../peer/index.js';
import { PeerNotRunning, type ServeInfo } from './api-client.js';

export interface EventSocket {
  close(): void;
}

/** Resolves once the socket is open, so no event of a command sent afterwards is missed. */
export function openEventSocket(
  info: ServeInfo,
  onEvent: (event: PeerEvent) => void,
): Promise<EventSocket> {
  const url = new URL('api/events', info.url);
  url.protocol = 'ws:';
  url.searchParams.set('token', info.token);
  const socket = new WebSocket(url);
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.off('error', refused);
      // A socket lost later ends no verb by itself: the command's own answer (or its failure) does.
      socket.on('error', () => undefined);
      resolve({
        close: () => {
          socket.close();
        },
      });
    });
    const refused = (err: NodeJS.ErrnoException): void => {
      reject(
        err.code === 'ECONNREFUSED'
          ? new PeerNotRunning(
              `no lanspread serve answers at ${info.url} (its serve.json is left from an earlier run)`,
            )
          : new PeerNotRunning(`lanspread serve at ${info.url} refused its events: ${err.message}`),
      );
    };
    socket.once('error', refused);
    socket.on('message', (data, isBinary) => {
      if (isBinary || !Buffer.isBuffer(data)) return;
      const event = parseEvent(data.toString('utf8'));
      if (event !== null) onEvent(event);
    });
  });
}

/** The server writes contract events; anything without an `event` name is not one and is skipped. */
function parseEvent(text: string): PeerEvent | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && 'event' in value) {
      return typeof value.event === 'string' ? (value as PeerEvent) : null;
    }
  } catch {
    // Not JSON: not an event of ours.
  }
  return null;
}
