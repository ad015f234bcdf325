/** The control messages of the wire protocol and their zod schemas (see docs/protocol.md). */
import { z } from 'zod';
import { isGameId, isGameVersion, isPeerId, type GameId, type GameVersion, type PeerId } from '../ids.js';

export const PROTOCOL_VERSION = 1;

const peerId = z.custom<PeerId>(isPeerId, 'not a peer id');
const gameId = z.custom<GameId>(isGameId, 'not a game id');
const gameVersion = z.custom<GameVersion>(isGameVersion, 'not a game version');

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

export const helloSchema = z.strictObject({
  t: z.literal('hello'),
  protocol: z.number().int(),
  peer_id: peerId,
  name: z.string().max(64),
  /** The port the sender accepts connections on; the receiver pairs it with the socket's address. */
  listen_port: z.number().int().min(1).max(65535),
  library,
});

export const libraryDeltaSchema = z.strictObject({
  t: z.literal('library-delta'),
  upsert: library,
  remove: z.array(gameId).max(MAX_LIBRARY_GAMES),
});

export const pingSchema = z.strictObject({ t: z.literal('ping'), seq: z.number().int().nonnegative() });
export const pongSchema = z.strictObject({ t: z.literal('pong'), seq: z.number().int().nonnegative() });
export const goodbyeSchema = z.strictObject({ t: z.literal('goodbye') });
export const errorSchema = z.strictObject({
  t: z.literal('error'),
  code: z.string().max(64),
  message: z.string().max(1024),
});

export const wireMessageSchema = z.discriminatedUnion('t', [
  helloSchema,
  libraryDeltaSchema,
  pingSchema,
  pongSchema,
  goodbyeSchema,
  errorSchema,
]);

export type Hello = z.infer<typeof helloSchema>;
export type LibraryDelta = z.infer<typeof libraryDeltaSchema>;
export type WireMessage = z.infer<typeof wireMessageSchema>;
