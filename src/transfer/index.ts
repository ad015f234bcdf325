/** Serving and downloading game roots: manifests, gates, the multi-source chunked download. */
export {
  downloadGame,
  type DownloadEvent,
  type DownloadRequest,
  type DownloadResult,
  type DownloadSource,
} from './downloader.js';
export { assertFreeSpace } from './free-space.js';
export { HashCache } from './hash-cache.js';
export { OutboundTransfers } from './outbound-transfers.js';
export { TransferClient } from './transfer-client.js';
export { serveTransferConnection, type ServeContext } from './transfer-server.js';
