/** Whether other peers seem unable to reach this one, and the firewall commands that fix it (pure). */

/** Peers known this long without one dialling us is more than a race. */
export const UNREACHABLE_AFTER_MS = 60_000;

/** mDNS answers arrive on this UDP port. */
const MDNS_PORT = 5353;

export interface Reachability {
  /** Since when this peer has had at least one peer; undefined while it has none. */
  peersSinceMs: number | undefined;
  nowMs: number;
  inboundPeerConnections: number;
  /** Requests other machines made to the share page. */
  remoteShareRequests: number;
}

/** True when peers were known for a minute, yet no peer dialled us and no guest opened the share page. */
export function looksUnreachable(r: Reachability): boolean {
  return (
    r.peersSinceMs !== undefined &&
    r.nowMs - r.peersSinceMs >= UNREACHABLE_AFTER_MS &&
    r.inboundPeerConnections === 0 &&
    r.remoteShareRequests === 0
  );
}

export interface FirewallPorts {
  peer: number;
  share: number | null;
  /** The discovery beacon's UDP port; null when the beacon is off. */
  beacon: number | null;
  mdns: boolean;
}

export interface FirewallCommands {
  tcp: number[];
  udp: number[];
  windows: string[];
  linux: string[];
}

/** One rule per protocol (UDP for discovery, when it runs), for Private networks only on Windows. */
export function firewallCommands(ports: FirewallPorts): FirewallCommands {
  const tcp = [ports.peer, ...(ports.share === null ? [] : [ports.share])];
  const udp = [
    ...(ports.beacon === null ? [] : [ports.beacon]),
    ...(ports.mdns ? [MDNS_PORT] : []),
  ];
  const rule = (protocol: string, list: number[]) =>
    `netsh advfirewall firewall add rule name="lanspread ${protocol}" dir=in action=allow protocol=${protocol} localport=${list.join(',')} profile=private`;
  return {
    tcp,
    udp,
    windows: [rule('TCP', tcp), ...(udp.length > 0 ? [rule('UDP', udp)] : [])],
    linux: [
      `sudo ufw allow ${tcp.join(',')}/tcp`,
      ...(udp.length > 0 ? [`sudo ufw allow ${udp.join(',')}/udp`] : []),
    ],
  };
}

/** The port of a `host:port` or `[v6]:port` address; null when there is none. */
export function portOf(addr: string): number | null {
  const port = Number(/:(\d{1,5})$/.exec(addr)?.[1]);
  return Number.isInteger(port) && port > 0 ? port : null;
}
