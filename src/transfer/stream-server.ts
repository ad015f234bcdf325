/** Streamed install, sending side: unpacks a served game's archives and streams their files (S39–S47). */
import {
  EntryCheck,
  extractPlan,
  planRootArchives,
  type EntrySink,
  type PlannedFile,
} from '../archive/index.js';
import { LanspreadError, errorMessage } from '../errors.js';
import type { Connection } from '../net/index.js';
import { DATA_FRAME_BYTES, FRAME_HEADER_BYTES, type GetStream } from '../protocol/index.js';
import type { FrameBuffers } from './frame-buffers.js';
import { messageForRemote } from './remote-message.js';
import type { BandwidthCap } from './bandwidth-cap.js';
import { acquireServing, gateRequest, type ServeContext } from './serve-context.js';
import type { Traffic } from './traffic.js';

/** Frames queued on a socket before the sender waits for it to drain. */
export const SEND_QUEUE_BYTES = 4 * 1024 * 1024;

/**
 * Waits while more than `SEND_QUEUE_BYTES` are queued; rejects when the request was aborted
 * (receiver gone) or the receiver stalled for `stallMs` (`timeout`).
 */
export async function paced(conn: Connection, signal: AbortSignal, stallMs: number): Promise<void> {
  if (conn.bufferedBytes > SEND_QUEUE_BYTES) await conn.drained(stallMs);
  signal.throwIfAborted();
}

/** Sends each file the provider extracts as `stream-entry`, data frames, `stream-entry-end`. */
class StreamSender implements EntrySink {
  files = 0;
  bytes = 0;
  readonly #check: EntryCheck;

  constructor(
    private readonly conn: Connection,
    private readonly frames: FrameBuffers,
    label: string,
    expected: () => PlannedFile | undefined,
    private readonly signal: AbortSignal,
    private readonly stallMs: number,
    private readonly cap: BandwidthCap | undefined,
    private readonly traffic: Traffic | undefined,
  ) {
    this.#check = new EntryCheck(label, expected);
  }

  beginFile(name: string): Promise<void> {
    const file = this.#check.begin(name);
    this.conn.send({ t: 'stream-entry', path: file.path, size: file.size, crc32: file.crc32 });
    return Promise.resolve();
  }

  async write(bytes: Buffer): Promise<void> {
    this.#check.add(bytes);
    for (let off = 0; off < bytes.length;) {
      const step = this.cap?.quantum(DATA_FRAME_BYTES) ?? DATA_FRAME_BYTES;
      // A copy: the socket keeps the frame until it is written, the provider reuses its buffer.
      const frame = this.frames.take();
      const length = bytes.copy(frame, FRAME_HEADER_BYTES, off, off + step);
      off += length;
      await this.cap?.take(length, this.conn.remotePeerId, this.signal);
      this.conn.sendDataFrame(frame.subarray(0, FRAME_HEADER_BYTES + length), () => {
        this.frames.give(frame);
      });
      this.traffic?.sent(this.conn.remotePeerId, length);
      await paced(this.conn, this.signal, this.stallMs);
    }
  }

  endFile(): Promise<void> {
    const file = this.#check.end();
    this.conn.send({ t: 'stream-entry-end', crc32: this.#check.crc32 });
    this.files++;
    this.bytes += file.size;
    return Promise.resolve();
  }
}

/**
 * Serves one `get-stream`. Its outbound transfer is registered here and released on every
 * ending — done, extraction failed, receiver gone — so `status.outbound_transfers` returns to
 * zero when the producer ends, not when the connection does (the seed's lifecycle bug).
 * Gate refusals and an exhausted stream-job budget are thrown (answered `refused`); failures
 * after that end the stream with `stream-failed`; a receiver that stalls is cut (`timeout`).
 */
export async function serveStream(
  conn: Connection,
  req: GetStream,
  ctx: ServeContext,
  frames: FrameBuffers,
  signal: AbortSignal,
): Promise<void> {
  const { root } = gateRequest(ctx, req.game, req.version);
  const { remotePeerId } = conn;
  // Each stream runs an unpacker (a WASM worker of its own): the costliest thing a remote can ask.
  const releaseJob = await acquireServing(ctx, 'stream-job', remotePeerId, signal);
  const release = ctx.outbound.begin(req.game, remotePeerId);
  const log = ctx.log.child({ game: req.game, peer: conn.remotePeerId });
  try {
    const plans = await planRootArchives(root);
    conn.send({
      t: 'stream-plan',
      game: req.game,
      files: plans.reduce((n, p) => n + p.files.length, 0),
      bytes: plans.reduce((n, p) => n + p.totalBytes, 0),
      dirs: plans.flatMap((p) => p.dirs),
      links: plans.flatMap((p) =>
        p.links.map(({ path, kind, target }) => ({ path, kind, target })),
      ),
    });
    let files = 0;
    let bytes = 0;
    for (const plan of plans) {
      const pending = plan.files[Symbol.iterator]();
      const sender = new StreamSender(
        conn,
        frames,
        plan.set.name,
        () => pending.next().value,
        signal,
        ctx.budget.limits.sendStallMs,
        ctx.uploadCap,
        ctx.traffic,
      );
      await extractPlan(plan, ctx.archiveProvider, sender, signal);
      files += sender.files;
      bytes += sender.bytes;
    }
    conn.send({ t: 'stream-done', files, bytes });
    log.info({ files, bytes }, 'streamed install sent');
  } catch (err) {
    if (err instanceof LanspreadError && err.code === 'timeout') throw err;
    if (signal.aborted) {
      log.info({}, 'streamed install ended: the receiver left');
      return;
    }
    const failure =
      err instanceof LanspreadError
        ? err
        : new LanspreadError('archive-unreadable', errorMessage(err));
    log.warn({ code: failure.code, err: failure.message }, 'streamed install failed');
    conn.send({
      t: 'stream-failed',
      code: failure.code,
      message: messageForRemote(failure.message, root),
    });
  } finally {
    release();
    releaseJob();
  }
}
