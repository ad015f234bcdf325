/** The catalog part: the authoritative list of games, read from a catalog database. */
export { openCatalog, type Catalog } from './catalog.js';
export { writeCatalogFile, type CatalogGame, type CatalogGameInput } from './catalog-db.js';
export { coverSizeProblem, toCoverImage, type CoverImage, type CoverType } from './cover-image.js';
export { MAX_GENRE_LENGTH, MAX_PLAYERS_RANGE, RELEASE_YEAR_RANGE } from './metadata-limits.js';
export {
  DIGEST_CHUNK_SIZE,
  digestManifest,
  inDigestOrder,
  type DigestedManifest,
} from './manifest-digest.js';
