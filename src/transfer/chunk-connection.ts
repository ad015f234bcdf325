/** The connection a download's chunks travel on: a plaintext data connection, or TLS with `--encrypt-transfers`. */
import type { DownloadRequest, DownloadSource } from './download-request.js';
import type { TransferClient } from './transfer-client.js';

/**
 * A client to fetch chunks from `source`. With `--encrypt-transfers` (no `connectData`) that is a
 * TLS transfer connection: `idle`, when it is open, or a new one. Otherwise a token is asked over
 * that TLS connection and a data connection opened with it; a TLS connection opened just for the
 * token is closed again. Both are the same `TransferClient` to the caller: only the socket differs.
 */
export async function connectChunks(
  req: DownloadRequest,
  source: DownloadSource,
  signal: AbortSignal,
  idle: TransferClient | undefined,
): Promise<TransferClient> {
  const tls = idle !== undefined && !idle.closed ? idle : await req.connect(source, signal);
  if (req.connectData === undefined) return tls;
  try {
    const token = await tls.getDataToken(req.game.id, req.game.version, signal);
    return await req.connectData(source, token, signal);
  } finally {
    if (tls !== idle) tls.close();
  }
}
