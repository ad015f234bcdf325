/** Which relative paths of a game root may cross the wire, checked on both sides (S12, S50). */

/** Top-level names that are ours or the installed game: never served, never accepted. */
export const NOT_TRANSFERRED: ReadonlySet<string> = new Set([
  'local',
  '.local.installing',
  '.local.backup',
  '.lanspread',
  'launch_settings_applied',
  'setup_done',
]);

/** A plain relative `/`-separated path that stays inside the root and outside our own folders. */
export function isTransferablePath(path: string): boolean {
  if (path.length === 0 || path.length > 1024) return false;
  // Control characters, backslashes and drive letters never name a file of a portable root.
  if (hasControlOrBackslash(path) || /^[a-zA-Z]:/.test(path) || path.startsWith('/')) return false;
  const segments = path.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return false;
  // Windows and macOS fold case and drop trailing dots and spaces: `Local.` lands in `local/`.
  const top = (segments[0] ?? '').toLowerCase().replace(/[. ]+$/, '');
  return !NOT_TRANSFERRED.has(top);
}

function hasControlOrBackslash(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0x5c) return true;
  }
  return false;
}
