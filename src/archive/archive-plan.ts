/** Checks an archive set from its headers before anything is unpacked, and lists what it will make. */
import { LanspreadError } from '../errors.js';
import type { ArchiveSet } from './archive-set.js';
import { caseClash } from '../portable-name.js';
import { entryPathProblem, safeEntryPath, symlinkDestination, unsafeLink } from './entry-path.js';
import { readArchiveHeaders } from './rar-headers.js';
import type { RarEntry } from './rar-listing.js';

export interface PlannedFile {
  /** The name as the archive (and so the provider) spells it. */
  readonly name: string;
  /** The safe relative path it is written to. */
  readonly path: string;
  readonly size: number;
  /** The CRC32 of the whole file, or null when the archive keeps another hash or none. */
  readonly crc32: number | null;
  readonly mtime: Date | null;
  /** Where the bytes lie verbatim when every part is stored (method 0); null when compressed. */
  readonly stored: readonly StoredPart[] | null;
}

/** A stored part of a file: `length` bytes at `offset` of one volume. */
export interface StoredPart {
  readonly volume: string;
  readonly offset: number;
  readonly length: number;
}

export interface PlannedLink {
  readonly name: string;
  readonly path: string;
  /** `symlink`: a relative target; `copy`: the safe path of an earlier file to duplicate. */
  readonly kind: 'symlink' | 'copy';
  readonly target: string;
}

export interface ArchivePlan {
  readonly set: ArchiveSet;
  readonly solid: boolean;
  /** Regular files in archive order, as a provider delivers them. */
  readonly files: readonly PlannedFile[];
  readonly dirs: readonly string[];
  readonly links: readonly PlannedLink[];
  readonly totalBytes: number;
}

function unsafe(label: string, message: string): LanspreadError {
  return new LanspreadError('archive-unsafe-entry', `${label}: ${message}`);
}

/** A file as the archive holds it, its parts in volume order. */
interface LogicalEntry {
  entry: RarEntry;
  parts: StoredPart[];
  stored: boolean;
}

/** Joins the parts of files split across volumes; the last part carries the whole file's CRC. */
async function logicalEntries(
  set: ArchiveSet,
): Promise<{ entries: LogicalEntry[]; solid: boolean }> {
  const entries: LogicalEntry[] = [];
  let solid = false;
  // The entry whose data continues in the next volume, if any.
  const pending: { entry: LogicalEntry | null } = { entry: null };
  for (const volume of set.volumes) {
    const listing = await readArchiveHeaders(volume);
    solid ||= listing.solid;
    for (const part of listing.entries) {
      const previous = pending.entry;
      if (
        part.splitBefore !== (previous !== null) ||
        (previous !== null && previous.entry.name !== part.name)
      ) {
        throw new LanspreadError(
          'archive-volume-missing',
          `${volume}: ${part.name} does not continue the file of the previous volume`,
        );
      }
      const where = { volume, offset: part.dataOffset, length: part.packedSize };
      const logical: LogicalEntry =
        previous === null
          ? { entry: part, parts: [where], stored: part.method === 0 }
          : {
              entry: { ...previous.entry, crc32: part.crc32, splitAfter: part.splitAfter },
              parts: [...previous.parts, where],
              stored: previous.stored && part.method === 0,
            };
      pending.entry = logical.entry.splitAfter ? logical : null;
      if (!logical.entry.splitAfter) entries.push(logical);
    }
  }
  if (pending.entry !== null) {
    throw new LanspreadError(
      'archive-volume-missing',
      `${set.name}: ${pending.entry.entry.name} continues in a volume that is not there`,
    );
  }
  return { entries, solid };
}

/**
 * Reads every volume's headers and refuses, before a byte is written, archives that are
 * encrypted, of unknown size, or have entries that escape: `..` or absolute names, symlinks out
 * of the folder, links to nothing, and entries written through a link (S51, S53); and names
 * that would not unpack the same on Windows: unportable names, names differing only by case.
 */
export async function planArchiveSet(set: ArchiveSet): Promise<ArchivePlan> {
  const { entries, solid } = await logicalEntries(set);
  const files: PlannedFile[] = [];
  const dirs = new Set<string>();
  const links: PlannedLink[] = [];
  const linkPaths = new Set<string>();
  const filePaths = new Set<string>();
  let totalBytes = 0;
  for (const { entry, parts, stored } of entries) {
    const label = `${set.name}: ${entry.name}`;
    const path = safeEntryPath(entry.name);
    if (path === null) throw unsafe(label, entryPathProblem(entry.name) ?? 'an unsafe name');
    if (entry.encrypted) {
      throw new LanspreadError('archive-encrypted', `${label}: encrypted (made with a password)`);
    }
    const parents = path.split('/').slice(0, -1);
    for (let i = 1; i <= parents.length; i++) {
      const parent = parents.slice(0, i).join('/');
      if (linkPaths.has(parent))
        throw unsafe(label, `the entry is written through the link ${parent}`);
      dirs.add(parent);
    }
    switch (entry.kind) {
      case 'dir':
        dirs.add(path);
        break;
      case 'file': {
        if (entry.unpackedSize === null) {
          throw new LanspreadError(
            'archive-unsupported',
            `${label}: the archive does not say the size`,
          );
        }
        files.push({
          name: entry.name,
          path,
          size: entry.unpackedSize,
          crc32: entry.hash === 'crc32' ? entry.crc32 : null,
          mtime: entry.mtime,
          stored: stored ? parts : null,
        });
        filePaths.add(path);
        totalBytes += entry.unpackedSize;
        break;
      }
      case 'symlink':
      case 'junction': {
        const target = entry.linkTarget;
        if (
          target === null ||
          entry.kind === 'junction' ||
          symlinkDestination(path, target) === null
        ) {
          throw unsafe(label, `the link points out of the install folder (${target ?? 'unknown'})`);
        }
        links.push({
          name: entry.name,
          path,
          kind: 'symlink',
          target: target.replaceAll('\\', '/'),
        });
        linkPaths.add(path);
        break;
      }
      case 'hardlink':
      case 'file-copy': {
        // A reference to an earlier entry, never a name to create: `\` may be its separator.
        const target =
          entry.linkTarget === null ? null : safeEntryPath(entry.linkTarget.replaceAll('\\', '/'));
        if (target === null || !filePaths.has(target)) {
          throw unsafe(
            label,
            `the link refers to ${entry.linkTarget ?? 'nothing'}, not to an earlier file`,
          );
        }
        links.push({ name: entry.name, path, kind: 'copy', target });
        linkPaths.add(path);
        totalBytes += files.find((f) => f.path === target)?.size ?? 0;
        break;
      }
    }
  }
  const problem =
    unsafeLink(links, new Set([...filePaths, ...dirs])) ??
    caseClash([...filePaths, ...linkPaths], dirs);
  if (problem !== null) throw unsafe(set.name, problem);
  return { set, solid, files, dirs: [...dirs], links, totalBytes };
}

/**
 * Names of a root's archive sets that one case-insensitive disk holds as one and the sets do
 * not spell the same (`Data/a.txt` in one, `data/A.TXT` in the next), as a message, or null.
 */
export function setsCaseClash(plans: readonly ArchivePlan[]): string | null {
  return caseClash(
    plans.flatMap((p) => [...p.files.map((f) => f.path), ...p.links.map((l) => l.path)]),
    plans.flatMap((p) => p.dirs),
  );
}
