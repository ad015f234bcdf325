/** Where the shared RAR corpus lives, and a check that says so when it is absent. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS = fileURLToPath(new URL('../../../shared/corpus/rar/', import.meta.url));

export const corpusPath = (file: string): string => path.join(CORPUS, file);

/** Fails (never skips) when the corpus is not beside the repository. */
export function requireCorpus(): void {
  assert.ok(
    existsSync(CORPUS),
    `the RAR test corpus is missing: expected it at ${CORPUS} (see shared/corpus/rar/PROVENANCE.md)`,
  );
}
