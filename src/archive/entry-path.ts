/** Entry names an archive may use: relative paths that stay inside the folder they unpack into. */
import { posix } from 'node:path';

/**
 * The entry name as a normalised relative `/` path, or null when it is absolute, has a drive
 * letter, a `..` segment, a control character, or names nothing. `\` counts as a separator
 * because Windows would treat it as one.
 */
export function safeEntryPath(name: string): string | null {
  if (name.length === 0 || name.length > 4096) return null;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return null;
  }
  const slashed = name.replaceAll('\\', '/');
  if (slashed.startsWith('/') || /^[a-zA-Z]:/.test(slashed)) return null;
  const segments = slashed.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.length === 0 || segments.includes('..')) return null;
  return segments.join('/');
}

/**
 * Where a symlink at `linkPath` pointing to `target` leads, relative to the unpack folder, or null
 * when it leaves that folder (absolute targets included).
 */
export function symlinkDestination(linkPath: string, target: string): string | null {
  const slashed = target.replaceAll('\\', '/');
  if (slashed.length === 0 || slashed.startsWith('/') || /^[a-zA-Z]:/.test(slashed)) return null;
  const resolved = posix.normalize(posix.join(posix.dirname(linkPath), slashed));
  if (resolved === '..' || resolved.startsWith('../') || posix.isAbsolute(resolved)) return null;
  return resolved;
}
