/** The other peers: control sessions (hello, liveness, library deltas), the peer table and their games aggregated. */
export { DialBackoff } from './dial-backoff.js';
export {
  PeerTable,
  type PeerRecord,
  type RemotePartial,
  type UpsertOutcome,
} from './peer-table.js';
export {
  aggregateRemote,
  isPartialFor,
  isSourceFor,
  type RemoteGame,
} from './remote-aggregation.js';
export {
  PeerSession,
  DEFAULT_LIVENESS,
  DELTA_RATE,
  livenessFor,
  type LivenessTimings,
  type LocalHello,
  type LostReason,
  type SessionHandlers,
} from './peer-session.js';
export { MAX_PEER_SESSIONS, PeerMesh, type MeshEvent, type PeerMeshOptions } from './peer-mesh.js';
export { MAX_UNREACHED_PEERS, type UnreachedPeer } from './unreached-peers.js';
