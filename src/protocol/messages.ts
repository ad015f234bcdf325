/** The control messages of the wire protocol and their zod schemas (see docs/protocol.md). */
import { z } from 'zod';
import {
  isGameId,
  isGameVersion,
  isPeerId,
  isSoftwareVersion,
  type GameId,
  type GameVersion,
  type PeerId,
  type SoftwareVersion,
} from '../ids.js';
import { HaveMap, MAX_HAVE_CHUNKS, haveMapBase64Length } from './have-map.js';

/** 2: hello tells the sender's software version (`software`). */
export const PROTOCOL_VERSION = 2;

const peerId = z.custom<PeerId>(isPeerId, 'not a peer id');
const gameId = z.custom<GameId>(isGameId, 'not a game id');
const gameVersion = z.custom<GameVersion>(isGameVersion, 'not a game version');
const softwareVersion = z.custom<SoftwareVersion>(isSoftwareVersion, 'not a software version');

/** Most games a library message may carry; a LAN party library is far smaller. */
export const MAX_LIBRARY_GAMES = 10_000;

/** One game of a peer's library as it advertises it; the receiver judges it by its own catalog. */
export const wireGameSchema = z.strictObject({
  id: gameId,
  /** version.ini's version, null when the root has none. */
  version: gameVersion.nullable(),
  downloaded: z.boolean(),
  installed: z.boolean(),
  /** The sender would serve this root now: complete, at its catalog version, no operation on it. */
  servable: z.boolean(),
  size: z.number().int().nonnegative(),
});
export type WireGame = z.infer<typeof wireGameSchema>;

const library = z.array(wireGameSchema).max(MAX_LIBRARY_GAMES);

export const helloSchema = z
  .strictObject({
    t: z.literal('hello'),
    protocol: z.number().int(),
    /** The sender's lanspread release, e.g. `0.1.0`: shown beside it, mixed builds cause trouble. */
    software: softwareVersion.optional(),
    peer_id: peerId,
    name: z.string().max(64),
    /** The port the sender accepts connections on; the receiver pairs it with the socket's address. */
    listen_port: z.number().int().min(1).max(65535),
    library,
  })
  // A hello of another protocol (1 had no `software`) still parses, so its sender hears why it
  // is refused.
  .refine((h) => h.protocol !== PROTOCOL_VERSION || h.software !== undefined, {
    error: 'a protocol 2 hello names its software version',
    path: ['software'],
  });

export const libraryDeltaSchema = z.strictObject({
  t: z.literal('library-delta'),
  upsert: library,
  remove: z.array(gameId).max(MAX_LIBRARY_GAMES),
});

/**
 * Most partial holdings one `partial-holdings` message may name, and a receiver keeps per remote:
 * a peer downloads a few games at a time.
 */
export const MAX_PARTIAL_GAMES = 64;

/** A game this peer is downloading, and which of its chunks it has verified and serves. */
export const partialHoldingSchema = z
  .strictObject({
    game: gameId,
    /** The catalog version it downloads; only of that version are the chunks served. */
    version: gameVersion,
    /** The LSMD1 digest (docs/protocol.md, "Catalog digest") of the manifest it downloads. */
    manifest_digest: z.string().regex(/^[0-9a-f]{64}$/),
    /** Chunks in that manifest, in digest order: the have-map's length in bits. */
    chunks: z.number().int().min(1).max(MAX_HAVE_CHUNKS),
    /** Bit i set: chunk i is verified here (src/protocol/have-map.ts). */
    have: z.string().max(haveMapBase64Length(MAX_HAVE_CHUNKS)),
    /**
     * Bit i set: chunk i is in flight here from a peer that holds it (the whole game, or that
     * chunk verified), served as it arrives, so the others fetch other chunks from complete peers
     * (same encoding as `have`; absent: none).
     */
    fetching: z.string().max(haveMapBase64Length(MAX_HAVE_CHUNKS)).optional(),
    /**
     * Bit i set: chunk i is in flight here from a relay (a peer that has it in `fetching`),
     * served as it arrives too, but relayed no further (absent: none).
     */
    relaying: z.string().max(haveMapBase64Length(MAX_HAVE_CHUNKS)).optional(),
  })
  .refine((h) => HaveMap.decode(h.have, h.chunks) !== null, {
    error: 'have is not a have-map of that many chunks',
  })
  .refine((h) => h.fetching === undefined || HaveMap.decode(h.fetching, h.chunks) !== null, {
    error: 'fetching is not a have-map of that many chunks',
  })
  .refine((h) => h.relaying === undefined || HaveMap.decode(h.relaying, h.chunks) !== null, {
    error: 'relaying is not a have-map of that many chunks',
  });
export type PartialHolding = z.infer<typeof partialHoldingSchema>;

/** What changed of the sender's partial holdings; sent like `library-delta`. */
export const partialHoldingsSchema = z.strictObject({
  t: z.literal('partial-holdings'),
  upsert: z.array(partialHoldingSchema).max(MAX_PARTIAL_GAMES),
  remove: z.array(gameId).max(MAX_PARTIAL_GAMES),
});

export const pingSchema = z.strictObject({
  t: z.literal('ping'),
  seq: z.number().int().nonnegative(),
});
export const pongSchema = z.strictObject({
  t: z.literal('pong'),
  seq: z.number().int().nonnegative(),
});
export const goodbyeSchema = z.strictObject({ t: z.literal('goodbye') });
export const errorSchema = z.strictObject({
  t: z.literal('error'),
  code: z.string().max(64),
  message: z.string().max(1024),
});

/** Most files a manifest may list; bounded so one manifest fits one control frame. */
export const MAX_MANIFEST_FILES = 20_000;
/** Longest relative path, in characters, a manifest may carry. */
export const MAX_PATH_LENGTH = 1024;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const relativePath = z.string().min(1).max(MAX_PATH_LENGTH);

const MIB = 1024 * 1024;
/**
 * The chunk sizes a peer hashes and serves manifests at. The set is fixed, not the asker's choice:
 * each size costs one hash of every file served, so asking new sizes cannot make a peer re-hash.
 * 32 MiB is what every peer asks by default (older ones too); 1 MiB splits small games finely.
 */
export const CHUNK_SIZES: readonly number[] = [MIB, 32 * MIB];
/** The chunk size a receiver asks for unless told otherwise (`--chunk-size`). */
export const DEFAULT_CHUNK_SIZE = 32 * MIB;

export function isServedChunkSize(chunkSize: number): boolean {
  return CHUNK_SIZES.includes(chunkSize);
}

/**
 * Wider than CHUNK_SIZES on purpose: an older peer asking another size gets a `refused`
 * (`serve-chunk-size`) it can report, not a closed connection.
 */
const chunkSize = z
  .number()
  .int()
  .min(64 * 1024)
  .max(1024 ** 3);

export const manifestFileSchema = z.strictObject({
  /** Relative to the game root, `/`-separated. The receiver re-checks it: a peer may lie. */
  path: relativePath,
  size: z.number().int().nonnegative(),
  /** SHA-256 of each chunk of `chunk_size` bytes (the last one shorter); none for an empty file. */
  chunks: z.array(sha256Hex),
});
export type ManifestFile = z.infer<typeof manifestFileSchema>;

/** Transfer connections: the receiver asks for a game's manifest at the version it expects. */
export const getManifestSchema = z.strictObject({
  t: z.literal('get-manifest'),
  game: gameId,
  version: gameVersion,
  chunk_size: chunkSize,
});

export const manifestSchema = z.strictObject({
  t: z.literal('manifest'),
  game: gameId,
  version: gameVersion,
  chunk_size: chunkSize,
  files: z.array(manifestFileSchema).max(MAX_MANIFEST_FILES),
});
export type Manifest = z.infer<typeof manifestSchema>;

/** A byte range of one file, as asked for and as answered. */
const chunkRange = {
  offset: z.number().int().nonnegative(),
  length: z
    .number()
    .int()
    .min(1)
    .max(1024 ** 3),
};

/** Asks for `length` bytes of one file; answered by `chunk` and exactly `length` bytes of data frames. */
export const getChunkSchema = z.strictObject({
  t: z.literal('get-chunk'),
  game: gameId,
  version: gameVersion,
  path: relativePath,
  ...chunkRange,
});

export const chunkSchema = z.strictObject({
  t: z.literal('chunk'),
  game: gameId,
  path: relativePath,
  ...chunkRange,
});

/** A serving gate said no; `code` is one of the `serve-*` codes of docs/errors.md. */
export const refusedSchema = z.strictObject({
  t: z.literal('refused'),
  code: z.string().max(64),
  message: z.string().max(1024),
});

/**
 * Asks for a token to open a plaintext data connection for one game's chunks (docs/protocol.md,
 * "Data connections"); sent on a TLS transfer connection, answered by `data-token` or `refused`.
 */
export const getDataTokenSchema = z.strictObject({
  t: z.literal('get-data-token'),
  game: gameId,
  version: gameVersion,
});

/** A single-use token (32 random bytes, hex) for one data connection of the asker, for `game`. */
export const dataTokenSchema = z.strictObject({
  t: z.literal('data-token'),
  game: gameId,
  token: sha256Hex,
});

const crc32 = z.number().int().min(0).max(0xffffffff);

/** Streamed install: the receiver asks the source to unpack the game's archives to it. */
export const getStreamSchema = z.strictObject({
  t: z.literal('get-stream'),
  game: gameId,
  version: gameVersion,
});

/** What the stream will make, sent before any entry: the receiver checks space and paths first. */
export const streamPlanSchema = z.strictObject({
  t: z.literal('stream-plan'),
  game: gameId,
  files: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  dirs: z.array(relativePath).max(MAX_MANIFEST_FILES),
  links: z
    .array(
      z.strictObject({
        path: relativePath,
        kind: z.enum(['symlink', 'copy']),
        target: relativePath,
      }),
    )
    .max(MAX_MANIFEST_FILES),
});

/** One regular file: `size` bytes of data frames follow, then `stream-entry-end`. */
export const streamEntrySchema = z.strictObject({
  t: z.literal('stream-entry'),
  path: relativePath,
  size: z.number().int().nonnegative(),
  /** The archive's CRC32 of the entry; null when the archive keeps another hash or none. */
  crc32: crc32.nullable(),
});

/** The CRC32 the sender computed over the bytes it sent. */
export const streamEntryEndSchema = z.strictObject({
  t: z.literal('stream-entry-end'),
  crc32,
});

export const streamDoneSchema = z.strictObject({
  t: z.literal('stream-done'),
  files: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});

/** The sender's extraction failed; the stream ends here, whatever was sent of the entry. */
export const streamFailedSchema = z.strictObject({
  t: z.literal('stream-failed'),
  code: z.string().max(64),
  message: z.string().max(1024),
});

export const wireMessageSchema = z.discriminatedUnion('t', [
  helloSchema,
  libraryDeltaSchema,
  partialHoldingsSchema,
  pingSchema,
  pongSchema,
  goodbyeSchema,
  errorSchema,
  getManifestSchema,
  manifestSchema,
  getChunkSchema,
  chunkSchema,
  refusedSchema,
  getDataTokenSchema,
  dataTokenSchema,
  getStreamSchema,
  streamPlanSchema,
  streamEntrySchema,
  streamEntryEndSchema,
  streamDoneSchema,
  streamFailedSchema,
]);

export type Hello = z.infer<typeof helloSchema>;
export type LibraryDelta = z.infer<typeof libraryDeltaSchema>;
export type PartialHoldings = z.infer<typeof partialHoldingsSchema>;
export type GetManifest = z.infer<typeof getManifestSchema>;
export type GetChunk = z.infer<typeof getChunkSchema>;
export type GetStream = z.infer<typeof getStreamSchema>;
export type GetDataToken = z.infer<typeof getDataTokenSchema>;
export type StreamPlan = z.infer<typeof streamPlanSchema>;
export type StreamEntry = z.infer<typeof streamEntrySchema>;
export type WireMessage = z.infer<typeof wireMessageSchema>;
