/** The share page's state and whether other peers seem unable to reach us, polled while the page is open. */
import { useEffect, useRef, useState } from 'react';
import { api } from './api-client.js';
import type { ShareInfo, StatusResult } from './api-types.js';
import { looksUnreachable } from './firewall-hint.js';

const POLL_MS = 10_000;

export interface ReachabilityState {
  share: ShareInfo | undefined;
  status: StatusResult | undefined;
  /** Peers known for a minute, yet nothing on the LAN has reached this computer. */
  unreachable: boolean;
}

export function useReachability(): ReachabilityState {
  const [share, setShare] = useState<ShareInfo>();
  const [status, setStatus] = useState<StatusResult>();
  const [unreachable, setUnreachable] = useState(false);
  const peersSince = useRef<number | undefined>(undefined);

  useEffect(() => {
    let stopped = false;
    const poll = async (): Promise<void> => {
      try {
        const [shareInfo, statusResult] = await Promise.all([api.share(), api.status()]);
        if (stopped) return;
        const now = Date.now();
        if (statusResult.peers === 0) peersSince.current = undefined;
        else peersSince.current ??= now;
        setShare(shareInfo);
        setStatus(statusResult);
        setUnreachable(
          looksUnreachable({
            peersSinceMs: peersSince.current,
            nowMs: now,
            inboundPeerConnections: statusResult.inbound_peer_connections,
            remoteShareRequests: shareInfo.remote_requests,
          }),
        );
      } catch {
        // The peer is unreachable from here: the header already says so.
      }
    };
    void poll();
    const timer = window.setInterval(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, []);

  return { share, status, unreachable };
}
