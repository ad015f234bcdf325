/** Entry names an archive may use: relative paths that stay inside the folder they unpack into. */
import { directlyIn, foldName, unportablePath } from '../portable-name.js';

/**
 * The entry name as a normalised relative `/` path (empty and `.` segments dropped), or null
 * when `entryPathProblem` finds fault with it.
 */
export function safeEntryPath(name: string): string | null {
  // Most names are used as they are: checked without a result object (a plan checks 200,000).
  if (plainName(name)) return name;
  const { path, problem } = checkEntryName(name);
  return problem === null ? path : null;
}

/**
 * Why the entry name cannot be unpacked, or null: it is absolute, climbs out with `..`, names
 * nothing, or is a name Windows cannot hold (a `\` or `:` in it, a drive letter, a reserved
 * device name, a trailing dot …), refused on every system so a game unpacks the same on all.
 */
export function entryPathProblem(name: string): string | null {
  return checkEntryName(name).problem;
}

/** A name of a sane length, relative and portable: it has no empty or `.` segment to drop. */
function plainName(name: string): boolean {
  return (
    name.length > 0 && name.length <= 4096 && !name.startsWith('/') && unportablePath(name) === null
  );
}

function checkEntryName(name: string): { path: string; problem: string | null } {
  if (plainName(name)) return { path: name, problem: null };
  if (name.length === 0 || name.length > 4096)
    return { path: name, problem: 'the name is empty or too long' };
  if (name.startsWith('/')) return { path: name, problem: 'the name is absolute' };
  const path = name
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
  if (path === '') return { path, problem: 'the name is nothing but slashes and dots' };
  return { path, problem: unportablePath(path) };
}

/**
 * Where a symlink at `linkPath` pointing to `target` leads, relative to the unpack folder, or null
 * when it leaves that folder (absolute targets included) or would pass through one of `links`
 * on the way: `..` after a link climbs from wherever that link leads, which a lexical check
 * cannot see. The link's own folder is assumed to hold no link (see `unsafeLink`).
 */
export function symlinkDestination(
  linkPath: string,
  target: string,
  links: ReadonlySet<string> = new Set(),
): string | null {
  const slashed = target.replaceAll('\\', '/');
  if (slashed.length === 0 || slashed.startsWith('/') || /^[a-zA-Z]:/.test(slashed)) return null;
  const at = linkPath.split('/').slice(0, -1);
  const steps = slashed.split('/').filter((s) => s !== '' && s !== '.');
  for (const [i, step] of steps.entries()) {
    if (step === '..') {
      if (at.pop() === undefined) return null;
    } else {
      at.push(step);
      if (i < steps.length - 1 && links.has(at.join('/'))) return null;
    }
  }
  return at.length === 0 ? '.' : at.join('/');
}

export interface LinkSpec {
  readonly path: string;
  readonly kind: 'symlink' | 'copy';
  readonly target: string;
}

/** The paths a set of links is checked against: a `Set`, or a lookup over several. */
export interface PathLookup {
  has(path: string): boolean;
}

/**
 * What is wrong with a set of links to be made inside one folder, or null: a link that shares
 * its name with a file or folder (`others`) or another link, one made inside another link, or
 * a symlink that leads out, also by way of other links (S51, lying stream sources, the links
 * of all archive sets of a root together). Paths are compared case-folded, as a
 * case-insensitive disk resolves them.
 */
export function unsafeLink(links: readonly LinkSpec[], others: PathLookup): string | null {
  const paths = new Set<string>();
  for (const link of links) {
    const key = foldName(link.path);
    if (paths.has(key)) return `${link.path}: two links share the name`;
    paths.add(key);
  }
  // The folders checked so far hold no link: the last one spares most links the walk up.
  let lastFolder = '';
  for (const link of links) {
    const key = foldName(link.path);
    if (others.has(link.path)) return `${link.path}: a link and a file or folder share the name`;
    if (!directlyIn(key, lastFolder)) {
      for (let end = key.indexOf('/'); end !== -1; end = key.indexOf('/', end + 1)) {
        lastFolder = key.slice(0, end);
        if (paths.has(lastFolder)) {
          return `${link.path}: the link would be made inside another link`;
        }
      }
    }
    if (link.kind === 'symlink' && symlinkDestination(key, foldName(link.target), paths) === null) {
      return `${link.path} -> ${link.target}: the link points out of the install folder`;
    }
  }
  return null;
}
