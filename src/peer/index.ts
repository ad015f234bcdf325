/** The peer runtime: composes the parts, runs the commands and emits the events of docs/peer-jsonl.md. */
export { Peer, type PeerOptions, type CommandResult } from './peer.js';
export { parsePeerCommand, type PeerCommand, type PeerCommandName } from './commands.js';
export type {
  CatalogRow,
  GameRow,
  LocalGameRow,
  RemoteRow,
  PeerRow,
  StatusResult,
  PeerEvent,
  PeerEventListener,
  OperationKind,
} from './contract.js';
export { writeDemoLibrary } from './demo-library.js';
export { packDirectory as packGameFolder } from '../archive/index.js';
