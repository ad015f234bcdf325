/** The connection a download's chunks travel on: a plaintext data connection, or TLS with `--encrypt-transfers`. */
import { errorMessage } from '../errors.js';
import { isOverBudget } from './busy-backoff.js';
import type { DownloadRequest, DownloadSource } from './download-request.js';
import type { TransferClient } from './transfer-client.js';

/**
 * A client to fetch chunks from `source`. With `--encrypt-transfers` (no `connectData`) that is a
 * TLS transfer connection: `idle`, when it is open, or a new one. Otherwise a token is asked over
 * that TLS connection and a data connection opened with it; a TLS connection opened just for the
 * token is closed again. Both are the same `TransferClient` to the caller: only the socket differs.
 * A source that gives no token — a peer of an earlier build closes the connection on a message
 * it does not know — is fetched from over TLS: slower, never less safe.
 */
export async function connectChunks(
  req: DownloadRequest,
  source: DownloadSource,
  signal: AbortSignal,
  idle: TransferClient | undefined,
): Promise<TransferClient> {
  const tls = idle !== undefined && !idle.closed ? idle : await req.connect(source, signal);
  if (req.connectData === undefined) return tls;
  let token: Buffer;
  try {
    token = await tls.getDataToken(req.game.id, req.game.version, signal);
  } catch (err) {
    signal.throwIfAborted();
    // Busy is not "no tokens here": the worker backs off and asks again.
    if (isOverBudget(err)) {
      if (tls !== idle) tls.close();
      throw err;
    }
    req.log.info(
      { game: req.game.id, peer: source.peerId, err: errorMessage(err) },
      'no data connection token; fetching over TLS',
    );
    return tls.closed ? req.connect(source, signal) : tls;
  }
  try {
    return await req.connectData(source, token, signal);
  } finally {
    if (tls !== idle) tls.close();
  }
}
