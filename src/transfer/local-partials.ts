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
import { ChunkFlight, type FlightSource } from './chunk-flight.js';
import { chunkKey } from './chunk-planner.js';

/** A changed have-map is advertised within this long: at most four messages a second. */
export const PARTIALS_FLUSH_MS = 250;
/**
 * Peers a downloading peer sends one chunk to at once. The others take it from those, which
 * relay it: a chunk that only this peer has then spreads down a chain at the pace of a link,
 * rather than to everyone at once through this peer's uplink shared by all (bench (c)).
 */
export const CHUNK_FAN_OUT = 2;

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
  /** The chunk holding `offset` of `path` while it is in flight here, relayed as it arrives. */
  flight(path: string, offset: number): ChunkFlight | undefined;
  /**
   * Counts a peer being sent the chunk holding `offset` of `path`, until the returned function
   * is called; null while CHUNK_FAN_OUT peers are sent it already.
   */
  send(path: string, offset: number): (() => void) | null;
}

/** What a download tells the registry of its holding. */
export interface PartialHandle {
  /** The chunk `key` is verified on disk. */
  verified(key: string): void;
  /**
   * The chunk `key` of `length` bytes is in flight here from `source`: it is advertised as
   * fetching (from a peer that holds it) or relaying (from a relay), and relayed as it arrives,
   * until the returned flight is verified or fails. A later flight of the same chunk takes the
   * place of an earlier one.
   */
  fetch(key: string, length: number, source: FlightSource): ChunkFlight;
  /** The download ended: the holding is withdrawn. */
  end(): void;
}

interface Entry extends PartialGame {
  readonly digest: string;
  readonly index: Map<string, number>;
  readonly have: HaveMap;
  /** The chunks in flight here, by index. */
  readonly flights: Map<number, ChunkFlight>;
  /** Peers being sent each chunk now, by index. */
  readonly sending: Map<number, number>;
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
    const indexOf = (path: string, offset: number): number | undefined =>
      index.get(chunkKey(path, offset - (offset % manifest.chunk_size)));
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
      sending: new Map(),
      hasChunk: (path, offset) => {
        const i = indexOf(path, offset);
        return i !== undefined && have.has(i);
      },
      flight: (path, offset) => {
        const i = indexOf(path, offset);
        return i === undefined ? undefined : entry.flights.get(i);
      },
      send: (path, offset) => {
        const i = indexOf(path, offset) ?? -1;
        const now = entry.sending.get(i) ?? 0;
        if (now >= CHUNK_FAN_OUT) return null;
        entry.sending.set(i, now + 1);
        let done = false;
        return () => {
          if (done) return;
          done = true;
          const left = (entry.sending.get(i) ?? 1) - 1;
          if (left > 0) entry.sending.set(i, left);
          else entry.sending.delete(i);
        };
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
      fetch: (key, length, source) => {
        const i = index.get(key);
        const flight = new ChunkFlight(length, source, (done) => {
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
    const relaying = new HaveMap(entry.have.chunks);
    for (const [i, flight] of entry.flights) (flight.source.relayed ? relaying : fetching).set(i);
    return {
      game,
      version: entry.version,
      manifest_digest: entry.digest,
      chunks: entry.have.chunks,
      have: entry.have.encode(),
      ...(fetching.count > 0 ? { fetching: fetching.encode() } : {}),
      ...(relaying.count > 0 ? { relaying: relaying.encode() } : {}),
    };
  }

  /** Stops the pending batch: nothing more is sent (shutdown). */
  close(): void {
    this.#flusher.cancel();
  }
}
