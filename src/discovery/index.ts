/** Discovery: candidate addresses of other peers, by mDNS/DNS-SD and a broadcast beacon. */
export type { DiscoveryCandidate } from './candidate.js';
export { lanInterfaces } from './lan-interfaces.js';
export {
  DISCOVERY_OFF,
  Discovery,
  type DiscoveryOptions,
  type DiscoveryStatus,
} from './discovery.js';
