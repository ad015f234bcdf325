/** The catalog part: the authoritative list of games, read from a catalog database. */
export { openCatalog, type Catalog, type CatalogGame } from './catalog.js';
export { writeCatalogFile, type CatalogGameInput } from './catalog-db.js';
