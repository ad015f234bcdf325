/**
 * Serves manifests and chunk bytes on inbound transfer connections, and chunk bytes on the data
 * connections their tokens open, behind the serving gates.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { LanspreadError, errorMessage } from '../errors.js';
import type { GameId } from '../ids.js';
import type { Connection, InboundData } from '../net/index.js';
import {
  DATA_FRAME_BYTES,
  FRAME_HEADER_BYTES,
  type GetChunk,
  type GetDataToken,
  type GetManifest,
  type GetStream,
  type WireMessage,
} from '../protocol/index.js';
import type { DataGrant } from './data-tokens.js';
import { FrameBuffers } from './frame-buffers.js';
import { messageForRemote } from './remote-message.js';
import { buildManifest } from './manifest-builder.js';
import { targetSegments } from './download-root.js';
import type { ChunkFlight } from './chunk-flight.js';
import { CHUNK_FAN_OUT, type PartialGame } from './local-partials.js';
import { acquireServing, gateOrPartial, type ServeContext } from './serve-context.js';
import { resolveRegularFile, resolveServePath } from './serve-gates.js';
import { paced, SEND_QUEUE_BYTES, serveStream } from './stream-server.js';

/** A client asks right after it connects; one that does not is a half-open or hostile socket. */
const FIRST_REQUEST_MS = 10_000;
/** How long a connection refused over the budget waits for the remote's end before it is dropped. */
const REFUSED_LINGER_MS = 1_000;
/** Downloaders ask back to back; a connection this quiet between requests is abandoned. */
const IDLE_BETWEEN_REQUESTS_MS = 120_000;

type Request = GetManifest | GetChunk | GetStream | GetDataToken;

/**
 * Serves a data connection whose token is valid: its chunks of the token's game, as on a
 * transfer connection. Any other token (none, used, expired, another address's) gets nothing: the
 * socket is dropped unanswered.
 */
export function serveDataConnection(data: InboundData, ctx: ServeContext): void {
  const grant = ctx.tokens.redeem(data.token, data.remoteAddress);
  if (grant === undefined) {
    // Debug only: a flood of bad tokens must not become a flood of log lines.
    ctx.log.debug(
      { remote_address: data.remoteAddress },
      'a data connection without a valid token',
    );
    data.reject();
    return;
  }
  const conn = data.accept(grant.peer);
  if (conn !== undefined) serveTransferConnection(conn, ctx, grant);
}

/**
 * Serves requests one at a time on `conn` until it closes; a second request in flight is a
 * protocol error. The connection and each request are counted against the remote's budget
 * (`serve-over-budget` past it; a connection refused so is closed after the answer). A data
 * connection (`grant`) takes only `get-chunk` of its grant's game and version.
 */
export function serveTransferConnection(
  conn: Connection,
  ctx: ServeContext,
  grant?: DataGrant,
): void {
  const peer = conn.remotePeerId;
  let releaseConnection: () => void;
  try {
    releaseConnection = ctx.budget.take('connection', peer, !ctx.hasSession(peer));
  } catch (err) {
    refuseConnection(conn, ctx, err);
    return;
  }
  const abort = new AbortController();
  let busy = false;
  let release: (() => void) | undefined;
  let servingGame: GameId | undefined;
  let idle: NodeJS.Timeout | undefined;
  let closed = false;
  const closeWhenIdle = (ms: number, what: string): void => {
    clearTimeout(idle);
    if (closed) return;
    idle = setTimeout(() => {
      ctx.log.info({ peer }, `${what}; closing the transfer connection`);
      conn.destroy(new LanspreadError('protocol-error', what));
    }, ms);
    idle.unref();
  };
  closeWhenIdle(FIRST_REQUEST_MS, `no request within ${FIRST_REQUEST_MS / 1000} s`);
  conn.onClose(() => {
    closed = true;
    clearTimeout(idle);
    abort.abort();
    release?.();
    releaseConnection();
  });
  conn.onData(() => {
    ctx.log.warn({ peer }, 'data frame sent to a serving connection; closing it');
    conn.destroy(new LanspreadError('protocol-error', 'unexpected data frame'));
  });
  /**
   * A request that came while the one before was still winding up: the remote may ask again as
   * soon as the last byte of an answer reached it, before this side has closed the file.
   */
  let next: Request | undefined;
  conn.onMessage((msg: WireMessage) => {
    if (next !== undefined || !isRequest(msg, grant)) {
      ctx.log.warn(
        { peer, t: msg.t, busy },
        'unexpected message on a transfer connection; closing it',
      );
      conn.destroy(new LanspreadError('protocol-error', `unexpected ${msg.t}`));
      return;
    }
    if (busy) next = msg;
    else start(msg);
  });
  const start = (msg: Request): void => {
    busy = true;
    clearTimeout(idle);
    // A download's requests share one outbound transfer per connection and game, registered when
    // its first answer passed the gates (a refused game is never counted); a stream registers its
    // own, for exactly as long as it produces.
    const serving = (game: GameId): void => {
      if (servingGame === game) return;
      release?.();
      servingGame = game;
      release = ctx.outbound.begin(game, conn.remotePeerId);
    };
    const work = serveRequest(conn, msg, ctx, abort.signal, serving);
    work
      .catch((err: unknown) => {
        // Gate refusals and a root we cannot hash are answered; the connection stays usable.
        if (
          err instanceof LanspreadError &&
          (err.code.startsWith('serve-') ||
            err.code === 'hash-failed' ||
            err.code === 'chunk-not-here' ||
            err.code === 'chunk-busy')
        ) {
          ctx.log.info(
            { peer, game: msg.game, code: err.code, reason: err.message },
            'refused a transfer request',
          );
          const { root } = ctx.lookup(msg.game);
          conn.send({ t: 'refused', code: err.code, message: messageForRemote(err.message, root) });
          return;
        }
        ctx.log.warn(
          { peer, game: msg.game, err: errorMessage(err) },
          'serving failed; closing the connection',
        );
        conn.destroy(err instanceof Error ? err : new Error(errorMessage(err)));
      })
      .finally(() => {
        busy = false;
        const queued = next;
        next = undefined;
        if (queued !== undefined && !closed) start(queued);
        else
          closeWhenIdle(
            IDLE_BETWEEN_REQUESTS_MS,
            `no request for ${IDLE_BETWEEN_REQUESTS_MS / 1000} s`,
          );
      });
  };
}

/**
 * The send buffers of every request served, taken per frame and given back: fresh 1 MiB buffers
 * for each chunk cost the sender page clearing and garbage collections. A request holds the
 * frames queued on its socket, the one being read and the one being sent; at most four requests'
 * worth lie idle.
 */
const SERVE_FRAMES = new FrameBuffers(
  DATA_FRAME_BYTES,
  4 * (SEND_QUEUE_BYTES / DATA_FRAME_BYTES + 2),
);
/** A data connection's reads: 4 MiB (its bytes go out unframed, so no frame limit applies). */
const DATA_READ_BYTES = 4 * DATA_FRAME_BYTES;
/**
 * The same for chunks served on data connections, read from disk 4 MiB at a time: that took a
 * pinned sender from 0.65 to 0.51 CPU-s/GiB against 1 MiB reads. Two requests' worth lie idle.
 */
const DATA_SERVE_FRAMES = new FrameBuffers(
  DATA_READ_BYTES,
  2 * (SEND_QUEUE_BYTES / DATA_READ_BYTES + 2),
);

/** A request this connection may carry. */
function isRequest(msg: WireMessage, grant: DataGrant | undefined): msg is Request {
  if (grant !== undefined)
    return msg.t === 'get-chunk' && msg.game === grant.game && msg.version === grant.version;
  return (
    msg.t === 'get-manifest' ||
    msg.t === 'get-chunk' ||
    msg.t === 'get-stream' ||
    msg.t === 'get-data-token'
  );
}

/** Registers the game's outbound transfer on this connection, just before its first answer. */
type Serving = (game: GameId) => void;

/** Answers a connection over the budget with the refusal, then closes it. */
function refuseConnection(conn: Connection, ctx: ServeContext, err: unknown): void {
  if (!(err instanceof LanspreadError)) throw err;
  // Debug only: a flood of connections must not become a flood of log lines.
  ctx.log.debug({ peer: conn.remotePeerId, reason: err.message }, 'refused a transfer connection');
  // A stranger's refusals are counted and not kept long: a flood of fresh identities that never
  // read must not pile up sockets. A peer with a session always hears why, so it backs off
  // rather than counting a bare close as a failure of the source.
  if (!ctx.hasSession(conn.remotePeerId)) {
    const release = ctx.budget.closeRefused();
    if (release === null) {
      conn.destroy();
      return;
    }
    conn.onClose(release);
  }
  conn.send({ t: 'refused', code: err.code, message: err.message });
  conn.close(REFUSED_LINGER_MS);
}

/** One request, counted against the remote's request budget for as long as it runs. */
async function serveRequest(
  conn: Connection,
  msg: Request,
  ctx: ServeContext,
  signal: AbortSignal,
  serving: Serving,
): Promise<void> {
  const peer = conn.remotePeerId;
  const release = await acquireServing(ctx, 'request', peer, signal);
  try {
    if (msg.t === 'get-manifest') {
      await serveManifest(conn, msg, ctx, signal, serving);
      return;
    }
    if (msg.t === 'get-data-token') {
      gateOrPartial(ctx, msg.game, msg.version);
      const token = ctx.tokens.issue(
        { peer, game: msg.game, version: msg.version },
        conn.remoteAddress,
      );
      conn.send({ t: 'data-token', game: msg.game, token: token.toString('hex') });
      return;
    }
    if (msg.t === 'get-chunk') {
      const frames = conn.role === 'data' ? DATA_SERVE_FRAMES : SERVE_FRAMES;
      await serveChunk(conn, msg, ctx, frames, signal, serving);
    } else await serveStream(conn, msg, ctx, SERVE_FRAMES, signal);
  } finally {
    release();
  }
}

async function serveManifest(
  conn: Connection,
  req: GetManifest,
  ctx: ServeContext,
  signal: AbortSignal,
  serving: Serving,
): Promise<void> {
  const { root, partial } = gateOrPartial(ctx, req.game, req.version);
  if (partial !== undefined) {
    // The manifest it downloads, at the one size a have-map is over: no hashing here.
    if (req.chunk_size !== partial.manifest.chunk_size) {
      throw new LanspreadError(
        'serve-not-ready',
        `${req.game} is still downloading here; only its ${partial.manifest.chunk_size}-byte chunks are served`,
      );
    }
    serving(req.game);
    conn.send(partial.manifest);
    return;
  }
  const peer = conn.remotePeerId;
  // Hashing a root costs disk and CPU for minutes: few at a time, whoever asks.
  const releaseJob = await acquireServing(ctx, 'manifest-job', peer, signal);
  let manifest;
  try {
    manifest = await buildManifest(
      root,
      req.game,
      req.version,
      req.chunk_size,
      ctx.hashCache,
      ctx.log,
    );
  } finally {
    releaseJob();
  }
  // The root may have changed while we hashed it; serve only what is still servable.
  gateOrPartial(ctx, req.game, req.version);
  serving(req.game);
  conn.send(manifest);
}

async function serveChunk(
  conn: Connection,
  req: GetChunk,
  ctx: ServeContext,
  frames: FrameBuffers,
  signal: AbortSignal,
  serving: Serving,
): Promise<void> {
  const { root, partial } = gateOrPartial(ctx, req.game, req.version);
  const { absPath, size, flight }: { absPath: string; size: number; flight?: ChunkFlight } =
    partial === undefined
      ? await resolveServePath(root, req.path)
      : await resolvePartialChunk(root, partial, req, conn.remotePeerId);
  if (req.offset + req.length > size) {
    throw new LanspreadError(
      'serve-bad-path',
      `${req.path} has ${size} bytes; ${req.offset}+${req.length} is past its end`,
    );
  }
  const sent = partial?.send(req.path, req.offset);
  if (sent === null) {
    throw new LanspreadError(
      'chunk-busy',
      `the chunk of ${req.path} at ${req.offset} goes to ${CHUNK_FAN_OUT} peers from here already; they relay it`,
    );
  }
  // O_NOFOLLOW: a symlink swapped in after the gate's lstat must not be followed.
  const file = await open(absPath, constants.O_RDONLY | constants.O_NOFOLLOW).catch(
    (err: unknown) => {
      sent?.();
      // A download's version.ini moves into the root at its commit, between our lstat and open.
      if (partial !== undefined) throw notHere(req, `${req.path} moved: ${errorMessage(err)}`);
      throw err;
    },
  );
  /** Where the request starts in its chunk: a relay's frontier counts from the chunk's start. */
  const inChunk = partial === undefined ? 0 : req.offset % partial.manifest.chunk_size;
  /** The next frame, read from disk into a reused buffer behind the header's room. */
  const readFrame = async (at: number): Promise<{ buffer: Buffer; payload: number }> => {
    // A relay waits until the chunk's bytes past `at` are on disk here (and verified, its last).
    const ready =
      flight === undefined
        ? req.length
        : Math.min(req.length, (await flight.beyond(inChunk + at, signal)) - inChunk);
    // Under a cap, frames of 50 ms of its rate: a low cap then flows evenly, and fairly per peer.
    const want = Math.min(
      ctx.uploadCap?.quantum(frames.payloadBytes) ?? frames.payloadBytes,
      ready - at,
    );
    const buffer = frames.take();
    const { bytesRead } = await file.read(buffer, FRAME_HEADER_BYTES, want, req.offset + at);
    if (bytesRead === 0)
      throw new LanspreadError('download-failed', `${req.path} shrank while it was served`);
    return { buffer, payload: bytesRead };
  };
  let next: Promise<{ buffer: Buffer; payload: number }> | undefined;
  /**
   * Starts reading the frame at `at` ahead of its turn. A relay's read fails when its chunk's
   * fetch here fails, maybe while this loop waits on the socket: marked handled at once, or
   * Node would end the process for a rejection nobody had caught yet; the loop still sees it.
   */
  const readAhead = (at: number): Promise<{ buffer: Buffer; payload: number }> => {
    const read = readFrame(at);
    read.catch(() => undefined);
    return read;
  };
  let started = false;
  if (flight !== undefined) flight.relays++;
  try {
    serving(req.game);
    conn.send({
      t: 'chunk',
      game: req.game,
      path: req.path,
      offset: req.offset,
      length: req.length,
    });
    started = true;
    let sent = 0;
    next = readAhead(0);
    while (sent < req.length) {
      const { buffer, payload } = await next;
      sent += payload;
      // Read the next frame from disk while this one goes out on the wire.
      if (sent < req.length) next = readAhead(sent);
      await ctx.uploadCap?.take(payload, conn.remotePeerId, signal);
      conn.sendDataFrame(buffer.subarray(0, FRAME_HEADER_BYTES + payload), () => {
        frames.give(buffer);
      });
      ctx.traffic?.sent(conn.remotePeerId, payload);
      // The accepted socket's own buffer is only 16 KiB (Node 20), so pace by what is queued.
      await paced(conn, signal, ctx.budget.limits.sendStallMs);
    }
  } catch (err) {
    // A relay whose chunk failed here: its receiver must not finish it. On TLS it hears
    // `chunk-not-here`; a data connection carries bare bytes after the header, so it is closed.
    if (
      started &&
      conn.role === 'data' &&
      err instanceof LanspreadError &&
      err.code === 'chunk-not-here'
    ) {
      ctx.log.info(
        { peer: conn.remotePeerId, game: req.game, path: req.path, offset: req.offset },
        'a relayed chunk failed here; closing its data connection',
      );
      conn.destroy(err);
      return;
    }
    throw err;
  } finally {
    // A read still in flight must settle before its file closes (and must not go unhandled).
    await next?.catch(() => undefined);
    await file.close();
    sent?.();
  }
}

/**
 * The staged file of a chunk of the game downloading here: only a range inside one chunk of its
 * manifest that is verified, or in flight here from another peer than `asker` (`flight`: relayed
 * as it arrives), else `chunk-not-here`. The file is reached from the download's root without
 * following a symlink, as a Ready root's is.
 */
async function resolvePartialChunk(
  root: string,
  partial: PartialGame,
  req: GetChunk,
  asker: string,
): Promise<{ absPath: string; size: number; flight?: ChunkFlight }> {
  const file = partial.manifest.files.find((f) => f.path === req.path);
  if (file === undefined) {
    throw new LanspreadError(
      'serve-bad-path',
      `${JSON.stringify(req.path)} is not a file of the manifest downloading here`,
    );
  }
  const chunkSize = partial.manifest.chunk_size;
  const chunkEnd = Math.min(file.size, (Math.floor(req.offset / chunkSize) + 1) * chunkSize);
  if (req.offset + req.length > chunkEnd) throw notHere(req, 'the range crosses a chunk boundary');
  const flight = partial.hasChunk(req.path, req.offset)
    ? undefined
    : partial.flight(req.path, req.offset);
  if (!partial.hasChunk(req.path, req.offset) && flight === undefined)
    throw notHere(req, 'that chunk is not verified here yet');
  // Its own bytes back to the peer they come from would be a ring with nobody fetching.
  if (flight?.source.peer === asker) throw notHere(req, 'that chunk comes here from you');
  try {
    const found = await resolveRegularFile(root, targetSegments(req.path), req.path);
    return flight === undefined ? found : { ...found, flight };
  } catch (err) {
    throw notHere(req, errorMessage(err));
  }
}

function notHere(req: GetChunk, why: string): LanspreadError {
  return new LanspreadError(
    'chunk-not-here',
    `${req.game} is downloading here: ${req.path} at ${req.offset} cannot be served (${why})`,
  );
}
