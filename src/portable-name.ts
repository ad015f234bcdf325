/** File names every system can hold: Windows' rules, the strictest, applied on every platform. */

/**
 * Device names Windows opens instead of a file, with any extension (`NUL.txt`) and with spaces
 * before it (`CON .txt`), in any case; `COM¹`-`COM³` count as digits there.
 */
const RESERVED_DEVICE = /^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³]) *(\..*)?$/i;
/** `<>:"|?*`, both slashes and control characters; `:` also covers `C:` and `file:stream`. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const FORBIDDEN_CHAR = /[\x00-\x1f\x7f<>:"|?*\\/]/;

/** Why `segment` cannot name a file or folder on Windows, or null when it can. */
export function unportableSegment(segment: string): string | null {
  if (segment === '' || segment === '.' || segment === '..') return 'an empty, . or .. segment';
  if (FORBIDDEN_CHAR.test(segment)) {
    return 'a character Windows forbids in names (<>:"|?*, \\ or a control character)';
  }
  // Windows drops them, so `a.txt.` and `a.txt` would be one file.
  if (/[. ]$/.test(segment)) return 'it ends with a dot or a space';
  if (RESERVED_DEVICE.test(segment)) return 'a device name Windows reserves';
  return null;
}

/** `FORBIDDEN_CHAR` but for `/`: checks every segment of a path at once. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const FORBIDDEN_IN_PATH = /[\x00-\x1f\x7f<>:"|?*\\]/;
// First letters of the reserved device names; the `i` flag matches no other letter to them.
const DEVICE_INITIAL = /^[cpanl]/i;

/**
 * Whether `unportablePath` finds nothing wrong with `path`, without a string or array per
 * segment: a plan checks up to 200,000 names, nearly all of them fine.
 */
function plainlyPortable(path: string): boolean {
  if (path.startsWith('/') || FORBIDDEN_IN_PATH.test(path)) return false;
  for (let start = 0; start <= path.length;) {
    let end = path.indexOf('/', start);
    if (end === -1) end = path.length;
    // An empty segment, or one ending with a dot or space (`.` and `..` included).
    const last = path.charCodeAt(end - 1);
    if (end === start || last === 0x2e || last === 0x20) return false;
    if (DEVICE_INITIAL.test(path[start] ?? '')) {
      if (RESERVED_DEVICE.test(path.slice(start, end))) return false;
    }
    start = end + 1;
  }
  return true;
}

/** Why the relative `/`-separated `path` cannot be written on Windows, or null when it can. */
export function unportablePath(path: string): string | null {
  if (plainlyPortable(path)) return null;
  if (path.startsWith('/')) return `${JSON.stringify(path)} is absolute`;
  for (const segment of path.split('/')) {
    const why = unportableSegment(segment);
    if (why !== null) return `${JSON.stringify(path)}: ${JSON.stringify(segment)} is ${why}`;
  }
  return null;
}

/**
 * The key under which a case-insensitive disk (Windows, macOS) finds `path`. Stricter than
 * either: NFC (macOS composes), then full upper-casing (`ß` → `SS`, `ﬁ` → `FI`) and back down
 * (the Kelvin sign → `k`), so every pair any of them folds together gets one key.
 */
export function foldName(path: string): string {
  // ASCII is its own NFC, and upper- then lower-casing it is lower-casing it.
  if (ASCII.test(path)) return path.toLowerCase();
  return path.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}

// eslint-disable-next-line no-control-regex -- every character below 0x80
const ASCII = /^[\x00-\x7f]*$/;

/**
 * Two of `files` (relative `/` paths) that one case-insensitive disk holds as one file, or a
 * file there that is also a folder of another path, as a message; null when there is none.
 * The same path twice is no clash: a later archive may replace a file of an earlier one.
 */
export function caseClash(files: Iterable<string>, dirs: Iterable<string> = []): string | null {
  const byKey = new Map<string, string>();
  const folders = new Map<string, string>();
  for (const file of files) {
    const key = foldName(file);
    const twin = byKey.get(key);
    if (twin !== undefined && twin !== file) {
      return `${twin} and ${file} name the same file on a case-insensitive disk (Windows, macOS)`;
    }
    byKey.set(key, file);
    for (let end = key.indexOf('/'); end !== -1; end = key.indexOf('/', end + 1)) {
      folders.set(key.slice(0, end), file);
    }
  }
  for (const dir of dirs) folders.set(foldName(dir), dir);
  for (const [folder, inside] of folders) {
    const file = byKey.get(folder);
    if (file !== undefined) {
      return `${file} is a file, but ${inside} needs a folder of that name on a case-insensitive disk (Windows, macOS)`;
    }
  }
  return null;
}
