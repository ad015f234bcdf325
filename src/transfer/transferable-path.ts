/** Which relative paths of a game root may cross the wire, checked on both sides (S12, S50). */
import { foldName, unportablePath } from '../portable-name.js';

/** Top-level names that are ours or the installed game: never served, never accepted. */
export const NOT_TRANSFERRED: ReadonlySet<string> = new Set([
  'local',
  '.local.installing',
  '.local.backup',
  '.lanspread',
  'launch_settings_applied',
  'setup_done',
]);

/**
 * A plain relative `/`-separated path that stays inside the root and outside our own folders,
 * and that Windows can hold (no `\`, `:`, reserved device name …), so a root a Linux peer
 * serves installs the same on every system.
 */
export function isTransferablePath(path: string): boolean {
  if (path.length === 0 || path.length > 1024 || unportablePath(path) !== null) return false;
  // Windows and macOS fold case: `LOCAL` lands in `local/` (`local.` is refused above).
  return !NOT_TRANSFERRED.has(foldName(path.split('/')[0] ?? ''));
}
