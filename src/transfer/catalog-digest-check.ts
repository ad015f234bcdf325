/** Holds sources to the organiser's word: a manifest must match the catalog's digest when it has one. */
import { DIGEST_CHUNK_SIZE, digestManifest, type CatalogGame } from '../catalog/index.js';
import { LanspreadError } from '../errors.js';
import type { Manifest } from '../protocol/index.js';
import { checkManifest } from './manifest-check.js';
import type { TransferClient } from './transfer-client.js';

/** The chunk size to ask manifests of `game` at: a digest is over a manifest at its own size. */
export function manifestChunkSize(game: CatalogGame, requested: number): number {
  return game.manifestDigest === null ? requested : DIGEST_CHUNK_SIZE;
}

/** Why `manifest` is not the one the catalog vouches for; null when it is, or when there is no digest. */
export function matchCatalogDigest(game: CatalogGame, manifest: Manifest): string | null {
  const want = game.manifestDigest;
  if (want === null) return null;
  const got = digestManifest(manifest);
  if (got === want) return null;
  const shown =
    got === null
      ? `a manifest at chunks of ${manifest.chunk_size} bytes, which has no digest`
      : `files whose digest is ${got.slice(0, 12)}…`;
  return `its files do not match the catalog's digest ${want.slice(0, 12)}… (it offers ${shown})`;
}

/**
 * Before a streamed install: the source must show, over TLS, the manifest the catalog vouches
 * for, else it fails with `digest-mismatch`. This proves what the source claims to hold, not
 * what it streams (docs/protocol.md, "Catalog digest").
 */
export async function requireVouchedSource(
  client: TransferClient,
  game: CatalogGame,
  signal: AbortSignal,
): Promise<void> {
  if (game.manifestDigest === null) return;
  const manifest = await client.getManifest(game.id, game.version, DIGEST_CHUNK_SIZE, signal);
  const problem =
    checkManifest(manifest, {
      game: game.id,
      version: game.version,
      chunkSize: DIGEST_CHUNK_SIZE,
    }) ?? matchCatalogDigest(game, manifest);
  if (problem !== null) throw new LanspreadError('digest-mismatch', problem);
}
