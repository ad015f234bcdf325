/** The contract of docs/api.md as the browser sees it: the server's own types, nothing copied. */
export type {
  Availability,
  CatalogResult,
  CatalogRow,
  FileRow,
  GameRow,
  GamesResult,
  LocalGameRow,
  PeerEvent,
  PeerRow,
  PlayResult,
  RemoteRow,
  SettingsView,
  ShareInfo,
  StatusResult,
  WireError,
} from '../../src/peer/contract.js';
