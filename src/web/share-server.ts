/** The share port of `lanspread serve`: a read-only page and the executables, for guests without lanspread. */
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { lanInterfaces } from '../discovery/index.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ShareInfo } from '../peer/index.js';
import { parseByteRange } from './byte-range.js';
import { ReleaseFiles } from './release-files.js';
import { hostHeader, isLoopbackAddress } from './request-guard.js';
import { sharePage } from './share-page.js';

export interface ShareServerOptions {
  host: string;
  port: number;
  releaseDir: string;
  log: Logger;
}

export interface ShareServer {
  info(): Promise<ShareInfo>;
  close(): Promise<void>;
}

export const SHARE_OFF: ShareInfo = {
  enabled: false,
  port: null,
  urls: [],
  files: [],
  remote_requests: 0,
  error: 'sharing is off (--no-share)',
};

const PAGE_HEADERS = {
  // The page has no script and loads nothing: its one inline style is all it needs.
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * Listens on `host:port`. A port that cannot be bound does not stop serve: the warning is
 * logged and the answer's `info()` carries it.
 */
export async function startShareServer(opts: ShareServerOptions): Promise<ShareServer> {
  const release = new ReleaseFiles(opts.releaseDir);
  let remoteRequests = 0;
  const server = createServer((req, res) => {
    if (!isLoopbackAddress(req.socket.remoteAddress)) remoteRequests++;
    void answer(req, res, release, opts.log).catch((err: unknown) => {
      opts.log.warn({ err: errorMessage(err), url: req.url }, 'share request failed');
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  // Hashed now, so the first guest does not wait for it.
  release.list().catch((err: unknown) => {
    opts.log.warn(
      { dir: opts.releaseDir, err: errorMessage(err) },
      'cannot read the release files',
    );
  });
  let port: number;
  try {
    port = await listen(server, opts.host, opts.port);
  } catch (err) {
    const error = `the share page cannot listen on ${hostHeader(opts.host, opts.port)}: ${errorMessage(err)}`;
    opts.log.warn({ err: errorMessage(err) }, 'share page not served: port unavailable');
    return {
      info: () => Promise.resolve({ ...SHARE_OFF, enabled: true, error }),
      close: () => Promise.resolve(),
    };
  }
  opts.log.info({ host: opts.host, port, release_dir: opts.releaseDir }, 'share page listening');
  return {
    info: async () => ({
      enabled: true,
      port,
      urls: lanHosts(opts.host).map((host) => `http://${hostHeader(host, port)}/`),
      files: (await release.list()).map(({ name, size, sha256 }) => ({ name, size, sha256 })),
      remote_requests: remoteRequests,
    }),
    close: async () => {
      const closed = new Promise<void>((done) => {
        server.close(() => {
          done();
        });
      });
      server.closeAllConnections();
      await closed;
    },
  };
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  release: ReleaseFiles,
  log: Logger,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    sendText(res, 405, 'only GET and HEAD');
    return;
  }
  const path = new URL(req.url ?? '/', 'http://placeholder').pathname;
  if (path === '/') {
    const body = sharePage(await release.list());
    res.writeHead(200, {
      ...PAGE_HEADERS,
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  // Only the exact names of the release files: nothing is ever joined from the request.
  const name = /^\/download\/([^/]+)$/.exec(path)?.[1];
  const file = name === undefined ? null : await release.find(name);
  if (file === null) {
    sendText(res, 404, 'not found');
    return;
  }
  const etag = `"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
  const lastModified = new Date(file.mtimeMs).toUTCString();
  const ifRange = req.headers['if-range'];
  // A resumed download of a file rebuilt since must start over.
  const rangeHeader =
    ifRange === undefined || ifRange === etag || ifRange === lastModified
      ? req.headers.range
      : undefined;
  const range = parseByteRange(rangeHeader, file.size);
  const headers = {
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${file.name}"`,
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'Last-Modified': lastModified,
    'X-Content-Type-Options': 'nosniff',
  };
  if (range.kind === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${file.size}` });
    res.end();
    return;
  }
  const [start, end] = range.kind === 'part' ? [range.start, range.end] : [0, file.size - 1];
  res.writeHead(range.kind === 'part' ? 206 : 200, {
    ...headers,
    'Content-Length': end - start + 1,
    ...(range.kind === 'part' ? { 'Content-Range': `bytes ${start}-${end}/${file.size}` } : {}),
  });
  if (req.method === 'HEAD' || file.size === 0) {
    res.end();
    return;
  }
  try {
    await pipeline(createReadStream(file.path, { start, end }), res);
  } catch (err) {
    if (!res.destroyed || res.writableFinished) throw err;
    // A guest who stops a download is no fault of ours.
    log.debug(
      { file: file.name, err: errorMessage(err) },
      'a download from the share page stopped',
    );
  }
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    ...PAGE_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** The addresses a guest can type: the LAN's IPv4 addresses when bound to every address. */
export function lanHosts(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [host];
  return lanInterfaces(networkInterfaces()).map((i) => i.address);
}

function listen(server: ReturnType<typeof createServer>, host: string, port: number) {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
