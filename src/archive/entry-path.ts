/** Entry names an archive may use: relative paths that stay inside the folder they unpack into. */
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

/**
 * What is wrong with a set of links to be made inside one folder, or null: a link that shares
 * its name with a file or folder (`others`), one made inside another link, or a symlink that
 * leads out, also by way of other links (S51 and lying stream sources).
 */
export function unsafeLink(links: readonly LinkSpec[], others: ReadonlySet<string>): string | null {
  const paths = new Set(links.map((l) => l.path));
  for (const link of links) {
    if (others.has(link.path)) return `${link.path}: a link and a file or folder share the name`;
    const parents = link.path.split('/').slice(0, -1);
    if (parents.some((_, i) => paths.has(parents.slice(0, i + 1).join('/')))) {
      return `${link.path}: the link would be made inside another link`;
    }
    if (link.kind === 'symlink' && symlinkDestination(link.path, link.target, paths) === null) {
      return `${link.path} -> ${link.target}: the link points out of the install folder`;
    }
  }
  return null;
}
