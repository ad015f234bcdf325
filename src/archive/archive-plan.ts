/** Checks an archive set from its headers before anything is unpacked, and lists what it will make. */
import { LanspreadError } from '../errors.js';
import { findRootArchives, type ArchiveSet } from './archive-set.js';
import { caseClash, directlyIn } from '../portable-name.js';
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
  /** Milliseconds since 1970. */
  readonly mtimeMs: number | null;
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
  /** Headers listed: files, folders, links, each part of a split file (see MAX_ARCHIVE_ENTRIES). */
  readonly entries: number;
}

/**
 * Entries (headers: files, folders, links, each part of a split file) the archive sets of one
 * game may hold together: every set is planned before anything is written, so this bounds the
 * memory of an install and of a peer serving a streamed install (a plan keeps about 260 bytes
 * a file: some 50 MB at the cap), where headers of a few dozen bytes could list millions in a
 * small archive. Large games hold tens of thousands of files, the largest a little over 100,000.
 */
export const MAX_ARCHIVE_ENTRIES = 200_000;

/** Names an entry in messages; built for a message only, not for each of 200,000 entries. */
function entryLabel(set: ArchiveSet, entry: RarEntry): string {
  return `${set.name}: ${entry.name}`;
}

function unsafe(label: string, message: string): LanspreadError {
  return new LanspreadError('archive-unsafe-entry', `${label}: ${message}`);
}

/** The folders the entries of a set are written in, as the entries come. */
class ParentFolders {
  /** The folder of the last entry whose parents were added: usually the next one's too. */
  #last = '';

  constructor(
    private readonly dirs: Set<string>,
    private readonly linkPaths: ReadonlySet<string>,
  ) {}

  /**
   * Adds the parent folders of `path` to `dirs`, deepest first; returns a parent that is a link,
   * or null. A folder already there came with its own parents, so each is added (and checked)
   * once.
   */
  add(path: string): string | null {
    // No string made and no lookup for an entry in the same folder as the one before.
    if (directlyIn(path, this.#last)) return null;
    const { dirs, linkPaths } = this;
    for (let end = path.lastIndexOf('/'); end > 0; end = path.lastIndexOf('/', end - 1)) {
      const parent = path.slice(0, end);
      if (dirs.has(parent)) break;
      if (linkPaths.has(parent)) return parent;
      dirs.add(parent);
    }
    const end = path.lastIndexOf('/');
    if (end > 0) this.#last = path.slice(0, end);
    return null;
  }
}

/**
 * A file stored whole in one volume, as nearly all are: its one part is made when asked for, so
 * a plan of 200,000 files keeps one object a file, not three.
 */
class WholeStoredFile implements PlannedFile {
  readonly #volume: string;
  readonly #offset: number;
  readonly #length: number;

  constructor(
    readonly name: string,
    readonly path: string,
    readonly size: number,
    readonly crc32: number | null,
    readonly mtimeMs: number | null,
    volume: string,
    data: Pick<RarEntry, 'dataOffset' | 'packedSize'>,
  ) {
    this.#volume = volume;
    this.#offset = data.dataOffset;
    this.#length = data.packedSize;
  }

  get stored(): readonly StoredPart[] {
    return [{ volume: this.#volume, offset: this.#offset, length: this.#length }];
  }
}

/** A file split across volumes, gathered part by part. */
interface SplitFile {
  readonly first: RarEntry;
  readonly parts: StoredPart[];
  stored: boolean;
}

/** The plan of one set as its entries come, checked one by one and then as a whole. */
class SetPlanner {
  readonly files: PlannedFile[] = [];
  readonly dirs = new Set<string>();
  readonly links: PlannedLink[] = [];
  readonly linkPaths = new Set<string>();
  readonly #parents = new ParentFolders(this.dirs, this.linkPaths);
  /** Sizes of the files so far, by path: what a hard link or copy of one adds. */
  readonly fileSizes = new Map<string, number>();
  totalBytes = 0;

  /** The file whose data continues in the next volume, if any. */
  #split: SplitFile | null = null;

  constructor(private readonly set: ArchiveSet) {}

  /** Plans the next header of `volume`, joining the parts of a file split across volumes. */
  addPart(volume: string, part: RarEntry): void {
    const split = this.#split;
    if (
      part.splitBefore !== (split !== null) ||
      (split !== null && split.first.name !== part.name)
    ) {
      throw new LanspreadError(
        'archive-volume-missing',
        `${volume}: ${part.name} does not continue the file of the previous volume`,
      );
    }
    if (split === null && !part.splitAfter) {
      // Nearly every entry lies whole in one volume; only a stored file needs its place.
      this.#add(part, part.method === 0 ? volume : null);
      return;
    }
    const where = { volume, offset: part.dataOffset, length: part.packedSize };
    if (split === null) {
      this.#split = { first: part, parts: [where], stored: part.method === 0 };
    } else {
      split.parts.push(where);
      split.stored &&= part.method === 0;
      if (!part.splitAfter) {
        // The last part carries the whole file's CRC.
        this.#add(
          { ...split.first, crc32: part.crc32, splitAfter: false },
          split.stored ? split.parts : null,
        );
        this.#split = null;
      }
    }
  }

  /**
   * Plans an entry (the first part of a split file, with the last part's CRC). A file's data is
   * stored in the parts listed, or whole in the volume named, or compressed (null).
   */
  #add(entry: RarEntry, stored: readonly StoredPart[] | string | null): void {
    const { set, dirs, linkPaths, fileSizes } = this;
    const safe = safeEntryPath(entry.name);
    if (safe === null) {
      throw unsafe(entryLabel(set, entry), entryPathProblem(entry.name) ?? 'an unsafe name');
    }
    // One string for both when they are equal, as they mostly are.
    const path = safe === entry.name ? entry.name : safe;
    if (entry.encrypted) {
      throw new LanspreadError(
        'archive-encrypted',
        `${entryLabel(set, entry)}: encrypted (made with a password)`,
      );
    }
    const throughLink = this.#parents.add(path);
    if (throughLink !== null) {
      throw unsafe(entryLabel(set, entry), `the entry is written through the link ${throughLink}`);
    }
    switch (entry.kind) {
      case 'dir':
        dirs.add(path);
        break;
      case 'file': {
        if (entry.unpackedSize === null) {
          throw new LanspreadError(
            'archive-unsupported',
            `${entryLabel(set, entry)}: the archive does not say the size`,
          );
        }
        const crc32 = entry.hash === 'crc32' ? entry.crc32 : null;
        const size = entry.unpackedSize;
        this.files.push(
          typeof stored === 'string'
            ? new WholeStoredFile(entry.name, path, size, crc32, entry.mtimeMs, stored, entry)
            : { name: entry.name, path, size, crc32, mtimeMs: entry.mtimeMs, stored },
        );
        fileSizes.set(path, entry.unpackedSize);
        this.totalBytes += entry.unpackedSize;
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
          throw unsafe(
            entryLabel(set, entry),
            `the link points out of the install folder (${target ?? 'unknown'})`,
          );
        }
        this.links.push({
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
        const size = target === null ? undefined : fileSizes.get(target);
        if (target === null || size === undefined) {
          throw unsafe(
            entryLabel(set, entry),
            `the link refers to ${entry.linkTarget ?? 'nothing'}, not to an earlier file`,
          );
        }
        this.links.push({ name: entry.name, path, kind: 'copy', target });
        linkPaths.add(path);
        this.totalBytes += size;
        break;
      }
    }
  }

  /**
   * After the last volume: what is wrong with the set as a whole, or null; a file that goes on
   * in a volume that is not there fails with `archive-volume-missing`.
   */
  problem(): string | null {
    if (this.#split !== null) {
      throw new LanspreadError(
        'archive-volume-missing',
        `${this.set.name}: ${this.#split.first.name} continues in a volume that is not there`,
      );
    }
    const { dirs, fileSizes } = this;
    const filesAndDirs = { has: (path: string) => fileSizes.has(path) || dirs.has(path) };
    return (
      unsafeLink(this.links, filesAndDirs) ??
      caseClash([...fileSizes.keys(), ...this.linkPaths], dirs)
    );
  }
}

/**
 * Reads every volume's headers and refuses, before a byte is written, archives that are
 * encrypted, of unknown size, or have entries that escape: `..` or absolute names, symlinks out
 * of the folder, links to nothing, and entries written through a link (S51, S53); and names
 * that would not unpack the same on Windows: unportable names, names differing only by case;
 * and sets of more than `maxEntries` entries (`archive-too-many-entries`), before listing them.
 */
export async function planArchiveSet(
  set: ArchiveSet,
  maxEntries = MAX_ARCHIVE_ENTRIES,
): Promise<ArchivePlan> {
  const planner = new SetPlanner(set);
  let solid = false;
  let listed = 0;
  for (const volume of set.volumes) {
    // Each entry is planned as it is read: a listing of them all would be kept as long.
    const onEntry = (part: RarEntry): void => {
      listed++;
      planner.addPart(volume, part);
    };
    const listing = await readArchiveHeaders(volume, {
      maxEntries: maxEntries - listed,
      onEntry,
    }).catch((err: unknown) => {
      throw err instanceof LanspreadError && err.code === 'archive-too-many-entries'
        ? new LanspreadError(
            err.code,
            `${set.name}: the game's archives hold more than ${MAX_ARCHIVE_ENTRIES} entries; lanspread unpacks at most that many for one game`,
          )
        : err;
    });
    solid ||= listing.solid;
  }
  const problem = planner.problem();
  if (problem !== null) throw unsafe(set.name, problem);
  const { files, dirs, links, totalBytes } = planner;
  return { set, solid, files, dirs: [...dirs], links, totalBytes, entries: listed };
}

/**
 * Plans every archive set of a game root and checks them as the one tree they unpack into,
 * before anything is written: each set alone may be harmless while together they escape (a
 * link of one set leads the `..` of another set's link out of the folder), write through a
 * link of another set, or clash by case (`Data/a.txt` in one, `data/A.TXT` in the next).
 */
export async function planRootArchives(root: string): Promise<ArchivePlan[]> {
  const plans: ArchivePlan[] = [];
  let left = MAX_ARCHIVE_ENTRIES;
  for (const set of await findRootArchives(root)) {
    const plan = await planArchiveSet(set, left);
    left -= plan.entries;
    plans.push(plan);
  }
  // One set alone was checked whole by its plan.
  const problem = plans.length > 1 ? setsProblem(plans) : null;
  if (problem !== null) throw new LanspreadError('archive-unsafe-entry', problem);
  return plans;
}

/** What is wrong with the sets' links and names in the one tree they make, or null. */
function setsProblem(plans: readonly ArchivePlan[]): string | null {
  const files = plans.flatMap((p) => p.files.map((f) => f.path));
  const dirs = plans.flatMap((p) => p.dirs);
  const links = plans.flatMap((p) => p.links);
  return (
    unsafeLink(links, new Set([...files, ...dirs])) ??
    caseClash([...files, ...links.map((l) => l.path)], dirs)
  );
}
