/** Serving and downloading game roots: manifests, gates, the multi-source chunked download. */
export { requireVouchedSource } from './catalog-digest-check.js';
export {
  downloadGame,
  type DownloadEvent,
  type DownloadRequest,
  type DownloadResult,
  type DownloadSource,
  type SwarmHolding,
  type SwarmLink,
} from './downloader.js';
export { BandwidthCap } from './bandwidth-cap.js';
export { retryWhileBusy } from './busy-backoff.js';
export { flushRoot, uncommit } from './download-root.js';
export { journalPath } from './download-journal.js';
export { assertFreeSpace, freeBytes } from './free-space.js';
export { listGameFiles, type GameFile } from './game-files.js';
export { HashCache } from './hash-cache.js';
export { buildManifest } from './manifest-builder.js';
export {
  removeRetrying,
  renameRetrying,
  retryWhileInUse,
  type InUseRetryOptions,
} from './in-use-retry.js';
export { tickProgress } from './progress-ticker.js';
export { OutboundTransfers } from './outbound-transfers.js';
export { TransferClient, type StreamReceiver } from './transfer-client.js';
export type { ServeContext } from './serve-context.js';
export {
  DEFAULT_SERVE_LIMITS,
  ServeBudget,
  type ServeLimits,
  type Spend,
  type SpendLimit,
} from './serve-budget.js';
export { serveDataConnection, serveTransferConnection } from './transfer-server.js';
export { DataTokens, DEFAULT_DATA_TOKEN_LIMITS, type DataTokenLimits } from './data-tokens.js';
export { CHUNK_FAN_OUT, LocalPartials, type PartialHandle } from './local-partials.js';
export { MAX_TRAFFIC_PEERS, Traffic, type PeerTraffic } from './traffic.js';
