/** The library part: scans and watches the games folder and derives what this peer has and can serve. */
export {
  deriveAvailability,
  isServable,
  type Availability,
  type BusyAvailability,
} from './availability.js';
export { readGameVersion, scanLibrary } from './library-scan.js';
export { watchLibrary, type LibraryWatcher, type LibraryWatchOptions } from './library-watcher.js';
export type { LocalGame } from './local-game.js';
export { parseVersionIni } from './version-ini.js';
