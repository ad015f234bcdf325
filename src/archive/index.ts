/** Reading and writing `.eti` (RAR) archives. */
export { packDirectory, writeStoredRar5 } from './rar5-writer.js';
export type { Rar5SourceEntry, Rar5WriteOptions, Rar5WriteResult } from './rar5-writer.js';
