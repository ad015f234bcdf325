/** The catalog: the authoritative, in-memory list of games loaded once from a catalog database. */
import { resolve } from 'node:path';
import { readCatalogFile, readEmbeddedCatalog, type CatalogGame } from './catalog-db.js';

export interface Catalog {
  /** The catalog file's absolute path, or 'embedded' for the default that ships with the package. */
  readonly source: string;
  get(id: string): CatalogGame | undefined;
  /** Every game, sorted by id. */
  all(): readonly CatalogGame[];
}

/** Loads a catalog file read-only, or the embedded default when no file is given. */
export async function openCatalog(file?: string): Promise<Catalog> {
  if (file === undefined) return buildCatalog('embedded', await readEmbeddedCatalog());
  const source = resolve(file);
  return buildCatalog(source, await readCatalogFile(source));
}

function buildCatalog(source: string, games: readonly CatalogGame[]): Catalog {
  const sorted = Object.freeze(
    [...games]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((g) => Object.freeze({ ...g })),
  );
  const byId = new Map<string, CatalogGame>(sorted.map((g) => [g.id, g]));
  return {
    source,
    get: (id) => byId.get(id),
    all: () => sorted,
  };
}
