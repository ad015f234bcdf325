/** Follows the peer's events over the WebSocket, reconnecting with backoff when it drops. */
import { eventsUrl } from './api-client.js';
import type { PeerEvent } from './api-types.js';

export interface EventStreamHandlers {
  onEvent: (event: PeerEvent) => void;
  /** Called on every (re)connection: events may have been missed, so lists are refetched. */
  onOpen: () => void;
  onClose: () => void;
}

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;

/** Opens the stream; the returned function closes it for good. */
export function openEventStream(handlers: EventStreamHandlers): () => void {
  let socket: WebSocket | null = null;
  let delay = FIRST_DELAY_MS;
  let timer: number | undefined;
  let closed = false;

  const connect = (): void => {
    socket = new WebSocket(eventsUrl());
    socket.onopen = () => {
      delay = FIRST_DELAY_MS;
      handlers.onOpen();
    };
    socket.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      try {
        handlers.onEvent(JSON.parse(message.data) as PeerEvent);
      } catch {
        // A line that is not JSON is not an event of the contract; nothing to show.
      }
    };
    socket.onclose = () => {
      socket = null;
      if (closed) return;
      handlers.onClose();
      timer = window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    };
  };

  connect();
  return () => {
    closed = true;
    window.clearTimeout(timer);
    socket?.close();
  };
}
