/** The peer runtime: one command API (execute) and one event stream over every other part; the contract's types. */
export { Peer, type PeerOptions } from './peer.js';
export { PEER_COMMAND_NAMES, parsePeerCommand } from './commands.js';
export { readSettings } from './settings-file.js';
export { MAX_CAP_MIB_S, MIN_CAP_MIB_S, PLAYING_UPLOAD_MIB_S } from './transfer-limits.js';
export type {
  ActiveOperation,
  Availability,
  CatalogResult,
  CatalogRow,
  CommandResult,
  CommandResults,
  FileRow,
  GameRow,
  GamesResult,
  LimitsView,
  LocalGameRow,
  LostReason,
  OperationKind,
  PeerCommand,
  PeerCommandName,
  PeerEvent,
  PeerEventListener,
  PeerRow,
  PlayResult,
  RemoteRow,
  SettingsView,
  ShareInfo,
  StatusResult,
  WireError,
} from './contract.js';
export { writeDemoLibrary } from './demo-library.js';
export { packDirectory as packGameFolder } from '../archive/index.js';
