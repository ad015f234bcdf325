/** Reading and writing `.eti` (RAR) archives. */
export { writeStoredRar5 } from './rar5-writer.js';
export { packDirectory } from './pack-directory.js';
export type {
  Rar5LinkKind,
  Rar5SourceEntry,
  Rar5WriteOptions,
  Rar5WriteResult,
} from './rar5-writer.js';
export { parseArchiveHeaders, readArchiveHeaders } from './rar-headers.js';
export type {
  ArchiveListing,
  ByteSource,
  ParseOptions,
  RarEntry,
  RarEntryKind,
} from './rar-listing.js';
export { findRootArchives, type ArchiveSet } from './archive-set.js';
export {
  MAX_ARCHIVE_ENTRIES,
  planArchiveSet,
  planRootArchives,
  type ArchivePlan,
  type PlannedFile,
  type PlannedLink,
} from './archive-plan.js';
export { embeddedUnrar } from './embedded-unrar.js';
export { extractPlan } from './extract-plan.js';
export { safeEntryPath, unsafeLink } from './entry-path.js';
export type { ArchiveProvider, EntrySink } from './entry-sink.js';
export { EntryCheck } from './entry-check.js';
export { externalUnrar } from './external-unrar.js';
