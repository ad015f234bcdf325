/** Where a provider delivers the bytes of the entries it extracts, with backpressure. */

/**
 * A provider calls these in order for each regular file it extracts: `beginFile`, `write`…,
 * `endFile`; it awaits each call before it produces more, so a slow sink bounds its memory.
 * Directories and links are not delivered: the installer makes them from the verified listing.
 */
export interface EntrySink {
  beginFile(name: string): Promise<void>;
  /** The caller may reuse `bytes` once the promise resolves. */
  write(bytes: Buffer): Promise<void>;
  endFile(): Promise<void>;
}

/** Extracts the regular files of one archive (or volume set, from its first volume) into a sink. */
export interface ArchiveProvider {
  readonly name: string;
  /**
   * Stored entries may be copied straight from the volumes instead (the embedded provider);
   * false when the user chose this extractor for every byte (`--unrar`).
   */
  readonly storedBypass: boolean;
  /** `skip` names entries the provider must not deliver (links the installer makes itself). */
  extract(
    firstVolume: string,
    skip: ReadonlySet<string>,
    sink: EntrySink,
    signal: AbortSignal,
  ): Promise<void>;
}
