/** The contract of docs/api.md as the browser sees it: the server's own types, nothing copied. */
import type { WireError } from '../../src/peer/contract.js';

export type {
  ActiveOperation,
  Availability,
  CatalogResult,
  CatalogRow,
  DiscoveryStatus,
  FileRow,
  GameRow,
  GamesResult,
  LimitsView,
  LocalGameRow,
  PeerEvent,
  PeerRow,
  PlayResult,
  QueueRow,
  RemoteRow,
  SettingsView,
  ShareInfo,
  StatusResult,
  UnreachablePeerRow,
} from '../../src/peer/contract.js';

/** A failed call as the page keeps it: the server's error, or the page's own `network` code. */
export type ApiError = Omit<WireError, 'code'> & { code: string };
