/**
 * The games this peer is downloading and serves in part: per game the manifest it downloads, its
 * LSMD1 digest and the have-map of verified chunks, advertised to the other peers in batches.
 */
import { BatchFlusher } from '../batch-flusher.js';
import { DIGEST_CHUNK_SIZE, digestManifest, inDigestOrder } from '../catalog/index.js';
import type { GameId, GameVersion } from '../ids.js';
import {
  HaveMap,
  MAX_HAVE_CHUNKS,
  MAX_PARTIAL_GAMES,
  type Manifest,
  type PartialHolding,
  type PartialHoldings,
} from '../protocol/index.js';
import { ChunkFlight } from './chunk-flight.js';
import { chunkKey } from './chunk-planner.js';

/** A changed have-map is advertised within this long: at most four messages a second. */
export const PARTIALS_FLUSH_MS = 250;

/** The chunk keys of a manifest in have-map order: files in digest order, chunks by offset. */
export function haveMapKeys(manifest: Manifest): string[] {
  const keys: string[] = [];
  for (const file of inDigestOrder(manifest.files))
    file.chunks.forEach((_, i) => keys.push(chunkKey(file.path, i * manifest.chunk_size)));
  return keys;
}

/** One game being downloaded here, as the transfer server serves it. */
export interface PartialGame {
  readonly version: GameVersion;
  readonly manifest: Manifest;
  /** The download's root: its files are at `targetPath(root, path)`. */
  readonly root: string;
  /** True when the whole chunk holding `offset` of `path` is verified here. */
  hasChunk(path: string, offset: number): boolean;
  /** The chunk holding `offset` of `path` while it is in flight here from a complete peer. */
  flight(path: string, offset: number): ChunkFlight | undefined;
}

/** What a download tells the registry of its holding. */
export interface PartialHandle {
  /** The chunk `key` is verified on disk. */
  verified(key: string): void;
  /**
   * The chunk `key` of `length` bytes is in flight here from a complete peer: it is advertised
   * as fetching, and relayed as it arrives, until the returned flight is verified or fails. A
   * later flight of the same chunk takes the place of an earlier one.
   */
  fetch(key: string, length: number): ChunkFlight;
  /** The download ended: the holding is withdrawn. */
  end(): void;
}

interface Entry extends PartialGame {
  readonly digest: string;
  readonly index: Map<string, number>;
  readonly have: HaveMap;
  /** The chunks in flight from complete peers, by index. */
  readonly flights: Map<number, ChunkFlight>;
}

export class LocalPartials {
  readonly #games = new Map<GameId, Entry>();
  readonly #changed = new Set<GameId>();
  readonly #flusher: BatchFlusher;
  readonly #send: (change: Pick<PartialHoldings, 'upsert' | 'remove'>) => void;

  constructor(send: (change: Pick<PartialHoldings, 'upsert' | 'remove'>) => void) {
    this.#send = send;
    this.#flusher = new BatchFlusher(PARTIALS_FLUSH_MS, () => {
      this.flush();
    });
  }

  /**
   * Starts advertising `game` with the chunks in `verified`; null when its manifest has no digest
   * (not at 32 MiB chunks) or more chunks than a have-map covers, or MAX_PARTIAL_GAMES are held
   * already: then it is not shared.
   */
  hold(
    game: GameId,
    version: GameVersion,
    root: string,
    manifest: Manifest,
    verified: Iterable<string>,
  ): PartialHandle | null {
    const digest = manifest.chunk_size === DIGEST_CHUNK_SIZE ? digestManifest(manifest) : null;
    const keys = haveMapKeys(manifest);
    if (digest === null || keys.length === 0 || keys.length > MAX_HAVE_CHUNKS) return null;
    if (!this.#games.has(game) && this.#games.size >= MAX_PARTIAL_GAMES) return null;
    const index = new Map(keys.map((key, i) => [key, i]));
    const have = new HaveMap(keys.length);
    for (const key of verified) {
      const i = index.get(key);
      if (i !== undefined) have.set(i);
    }
    const entry: Entry = {
      version,
      manifest,
      root,
      digest,
      index,
      have,
      flights: new Map(),
      hasChunk: (path, offset) => {
        const i = index.get(chunkKey(path, offset - (offset % manifest.chunk_size)));
        return i !== undefined && have.has(i);
      },
      flight: (path, offset) => {
        const i = index.get(chunkKey(path, offset - (offset % manifest.chunk_size)));
        return i === undefined ? undefined : entry.flights.get(i);
      },
    };
    this.#games.set(game, entry);
    this.#changed.add(game);
    // At once: the sources learn that this download is a swarm's before its first chunk request.
    this.flush();
    let ended = false;
    const changed = (): void => {
      this.#changed.add(game);
      this.#flusher.soon();
    };
    return {
      verified: (key) => {
        const i = index.get(key);
        if (ended || i === undefined || !have.set(i)) return;
        changed();
      },
      fetch: (key, length) => {
        const i = index.get(key);
        const flight = new ChunkFlight(length, (done) => {
          if (i === undefined || entry.flights.get(i) !== done) return;
          entry.flights.delete(i);
          if (!ended) changed();
        });
        if (ended || i === undefined) {
          flight.fail();
          return flight;
        }
        const before = entry.flights.get(i);
        entry.flights.set(i, flight);
        before?.fail();
        if (before === undefined) changed();
        return flight;
      },
      end: () => {
        if (ended) return;
        ended = true;
        if (this.#games.get(game) === entry) this.#games.delete(game);
        // Its relays end with it: no bytes of it are served any more.
        for (const flight of [...entry.flights.values()]) flight.fail();
        changed();
      },
    };
  }

  get(game: GameId): PartialGame | undefined {
    return this.#games.get(game);
  }

  /** Every holding as advertised: for a peer whose session just started. */
  list(): PartialHolding[] {
    return [...this.#games.keys()].map((game) => this.#wire(game));
  }

  /** Sends what changed since the last flush, now. */
  flush(): void {
    this.#flusher.cancel();
    if (this.#changed.size === 0) return;
    const upsert: PartialHolding[] = [];
    const remove: GameId[] = [];
    for (const game of this.#changed) {
      if (this.#games.has(game)) upsert.push(this.#wire(game));
      else remove.push(game);
    }
    this.#changed.clear();
    // A message names at most MAX_PARTIAL_GAMES of each; many downloads ending at once take more.
    for (let i = 0; i < Math.max(upsert.length, remove.length); i += MAX_PARTIAL_GAMES) {
      this.#send({
        upsert: upsert.slice(i, i + MAX_PARTIAL_GAMES),
        remove: remove.slice(i, i + MAX_PARTIAL_GAMES),
      });
    }
  }

  #wire(game: GameId): PartialHolding {
    const entry = this.#games.get(game);
    if (entry === undefined) throw new Error(`no partial holding of ${game}`);
    const fetching = new HaveMap(entry.have.chunks);
    for (const i of entry.flights.keys()) fetching.set(i);
    return {
      game,
      version: entry.version,
      manifest_digest: entry.digest,
      chunks: entry.have.chunks,
      have: entry.have.encode(),
      ...(fetching.count > 0 ? { fetching: fetching.encode() } : {}),
    };
  }

  /** Stops the pending batch: nothing more is sent (shutdown). */
  close(): void {
    this.#flusher.cancel();
  }
}
