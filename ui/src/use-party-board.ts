/** The party board's live data: status and peers read every second while the board is shown, with the samples the graph draws. */
import { useEffect, useRef, useState } from 'react';
import { api } from './api-client.js';
import type { PeerRow, StatusResult } from './api-types.js';
import type { LibraryGame } from './game-model.js';
import { addSample, type TrafficSample } from './party-model.js';

const POLL_MS = 1_000;

export interface PartyBoardState {
  status: StatusResult | undefined;
  peers: PeerRow[];
  samples: TrafficSample[];
}

export function usePartyBoard(library: readonly LibraryGame[]): PartyBoardState {
  const [state, setState] = useState<PartyBoardState>({
    status: undefined,
    peers: [],
    samples: [],
  });
  // Each download's bytes come from the events the library folds; the poll reads the latest.
  const libraryRef = useRef(library);
  libraryRef.current = library;

  useEffect(() => {
    let stopped = false;
    let busy = false;
    const poll = async (): Promise<void> => {
      // A slow answer is not asked again on top of itself; a hidden tab asks nothing.
      if (busy || document.hidden) return;
      busy = true;
      try {
        const [status, peers] = await Promise.all([api.status(), api.peers()]);
        if (stopped) return;
        const downloads: Record<string, number> = {};
        for (const game of libraryRef.current) {
          const progress = game.operation?.progress;
          if (progress !== undefined && progress.bytesTotal !== null)
            downloads[game.id] = progress.bytesDone;
        }
        const sample: TrafficSample = {
          atMs: Date.now(),
          sentBytes: status.traffic.sent_bytes,
          receivedBytes: status.traffic.received_bytes,
          downloads,
          fromPeers: Object.fromEntries(peers.map((peer) => [peer.peer_id, peer.received_bytes])),
        };
        setState((current) => ({ status, peers, samples: addSample(current.samples, sample) }));
      } catch {
        // The header says when the peer cannot be reached; the graph simply pauses.
      } finally {
        busy = false;
      }
    };
    void poll();
    const timer = window.setInterval(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, []);

  return state;
}
