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

/** For each ASCII code: 1 when `FORBIDDEN_CHAR` finds it inside a path (so not `/`). */
const FORBIDDEN_IN_PATH = Uint8Array.from({ length: 0x80 }, (_, code) =>
  code !== 0x2f && FORBIDDEN_CHAR.test(String.fromCharCode(code)) ? 1 : 0,
);
/** For each ASCII code: 1 when a reserved device name may start with it. */
const DEVICE_INITIAL = Uint8Array.from({ length: 0x80 }, (_, code) =>
  'cpanlCPANL'.includes(String.fromCharCode(code)) ? 1 : 0,
);

/** Lengths of the reserved device names: `NUL`, `COM1`, `CONIN$`, `CONOUT$`. */
const DEVICE_LENGTHS = [3, 4, 6, 7] as const;

/**
 * Whether the segment [start, end) of `path` could be a reserved device name: one of those
 * lengths, alone or before a dot or a space. Most
 * segments that start like one (`content`, `assets`) are ruled out without a regular expression.
 */
function mayBeDevice(path: string, start: number, end: number): boolean {
  for (const length of DEVICE_LENGTHS) {
    const at = start + length;
    if (at === end) return true;
    const next = path.charCodeAt(at);
    if (at < end && (next === 0x2e || next === 0x20)) return true;
  }
  return false;
}
/**
 * Whether `unportablePath` finds nothing wrong with `path`, in one pass over its characters
 * with no string or array per segment: a plan checks up to 200,000 names, nearly all fine.
 */
function plainlyPortable(path: string): boolean {
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    const c = i < path.length ? path.charCodeAt(i) : 0x2f;
    if (c !== 0x2f) {
      if (FORBIDDEN_IN_PATH[c] === 1) return false;
      continue;
    }
    // A segment ends: empty, or ending with a dot or a space (`.` and `..` included)?
    const last = path.charCodeAt(i - 1);
    if (i === start || last === 0x2e || last === 0x20) return false;
    if (DEVICE_INITIAL[path.charCodeAt(start)] === 1 && mayBeDevice(path, start, i)) {
      if (RESERVED_DEVICE.test(path.slice(start, i))) return false;
    }
    start = i + 1;
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
  // ASCII is its own NFC, and upper- then lower-casing it is lower-casing it; a name with no
  // capital is its own key (no new string: a plan folds up to 200,000 names).
  let capitals = false;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c > 0x7f) return path.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
    if (c >= 0x41 && c <= 0x5a) capitals = true;
  }
  return capitals ? path.toLowerCase() : path;
}

/**
 * Whether `folder` is the folder `path` lies directly in, compared in place: listings keep a
 * folder's entries together, so checking the last entry's folder first spares a string and a
 * lookup per entry.
 */
export function directlyIn(path: string, folder: string): boolean {
  return (
    folder.length > 0 &&
    path.length > folder.length + 1 &&
    path.charCodeAt(folder.length) === 0x2f &&
    path.startsWith(folder) &&
    path.indexOf('/', folder.length + 1) === -1
  );
}

/**
 * Two of `files` (relative `/` paths) that one case-insensitive disk holds as one file, or a
 * file there that is also a folder of another path, as a message; null when there is none.
 * The same path twice is no clash: a later archive may replace a file of an earlier one.
 */
export function caseClash(files: Iterable<string>, dirs: Iterable<string> = []): string | null {
  const byKey = new Map<string, string>();
  const folders = new Map<string, string>();
  let lastFolder = '';
  for (const file of files) {
    const key = foldName(file);
    const twin = byKey.get(key);
    if (twin === undefined) byKey.set(key, file);
    else if (twin !== file) {
      return `${twin} and ${file} name the same file on a case-insensitive disk (Windows, macOS)`;
    }
    if (directlyIn(key, lastFolder)) continue;
    for (let end = key.indexOf('/'); end !== -1; end = key.indexOf('/', end + 1)) {
      lastFolder = key.slice(0, end);
      folders.set(lastFolder, file);
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
