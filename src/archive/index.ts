/** Reading and writing `.eti` (RAR) archives. */
export { packDirectory, writeStoredRar5 } from './rar5-writer.js';
export type { Rar5SourceEntry, Rar5WriteOptions, Rar5WriteResult } from './rar5-writer.js';
export { parseArchiveHeaders, readArchiveHeaders } from './rar-headers.js';
export type {
  ArchiveListing,
  ByteSource,
  ParseOptions,
  RarEntry,
  RarEntryKind,
} from './rar-listing.js';
