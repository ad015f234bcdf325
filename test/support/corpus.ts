/** Where the repository's RAR corpus lives (test/corpus/rar, copied from shared/ with its PROVENANCE.md). */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS = fileURLToPath(new URL('../corpus/rar/', import.meta.url));

export const corpusPath = (file: string): string => path.join(CORPUS, file);

/** Fails (never skips) when the corpus is missing from the checkout. */
export function requireCorpus(): void {
  assert.ok(
    existsSync(CORPUS),
    `the RAR test corpus is missing: expected it at ${CORPUS} (see test/corpus/rar/PROVENANCE.md)`,
  );
}
