/** The HTTP server of `lanspread serve`: the routes of docs/api.md, the event stream, the UI. */
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  LanspreadError,
  errorMessage,
  httpStatusOf,
  toWireError,
  type ErrorCode,
  type WireError,
} from '../errors.js';
import type { LogRing, Logger } from '../logger.js';
import { ApiRoutes, notFound, type PeerApi } from './api-routes.js';
import { CoverAnswer, sendCover } from './cover-answer.js';
import { EventStream } from './event-stream.js';
import {
  allowedHostsFor,
  guardRequest,
  hostHeader,
  isLoopbackHost,
  type GuardPolicy,
  type GuardedRequest,
} from './request-guard.js';
import { lanHosts, type ShareServer } from './share-server.js';
import { embeddedUiFiles, serveStatic } from './static-files.js';

export interface WebServerOptions {
  peer: PeerApi;
  /** The `--ui` address; any host but loopback requires the token. */
  host: string;
  port: number;
  /** Listen on a free port when `port` is taken (the default UI port may be). */
  anyPortIfTaken?: boolean;
  token: string;
  /** The built UI; `dist/ui/` beside the compiled code by default. */
  uiDir?: string;
  log: Logger;
  /** The records `GET /api/log` answers from; none kept when absent. */
  logRing?: LogRing;
  /** Called after `POST /api/commands/shutdown` shut the peer down. */
  onShutdown?: () => void;
  /** The share port `GET /api/share` describes; sharing is off when absent. */
  share?: ShareServer;
}

export interface WebServer {
  /** `http://HOST:PORT/`, with a loopback host when bound to every address. */
  readonly url: string;
  readonly port: number;
  /** Bound off loopback: every API request needs the token. */
  readonly tokenRequired: boolean;
  close(): Promise<void>;
}

const SECURITY_HEADERS: OutgoingHttpHeaders = {
  // Everything comes from this peer; Pico's icons are data: images.
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const HOSTS_REFRESH_MS = 5_000;

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const ui = opts.uiDir ?? embeddedUiFiles() ?? fileURLToPath(new URL('../ui/', import.meta.url));
  const loopback = isLoopbackHost(opts.host);
  const events = new EventStream(opts.peer, opts.log);
  const policy: GuardPolicy = {
    allowedHosts: new Set(),
    token: opts.token,
    tokenRequired: !loopback,
  };
  let boundPort = 0;
  let hostsCheckedAt = Date.now();
  // A wildcard bind is named by addresses that come and go (a DHCP lease after the start).
  const currentPolicy = (): GuardPolicy => {
    if (isWildcard(opts.host) && Date.now() - hostsCheckedAt > HOSTS_REFRESH_MS) {
      hostsCheckedAt = Date.now();
      policy.allowedHosts = allowedHostsFor(opts.host, boundPort, wildcardHosts(opts.host));
    }
    return policy;
  };
  const routes = new ApiRoutes({
    peer: opts.peer,
    logRing: opts.logRing,
    onShutdown: opts.onShutdown,
    share: opts.share,
    // A phone on the LAN cannot open a page bound to loopback.
    uiUrls: () => ({
      loopback,
      urls: loopback
        ? []
        : lanHosts(opts.host).map((host) => `http://${hostHeader(host, boundPort)}/`),
    }),
  });

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      opts.log.error({ err: errorMessage(err), url: req.url }, 'web request failed');
      if (!res.headersSent) sendError(res, toWireError(err));
      else res.destroy();
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
    const refusal = guardRequest(guardedFields(req, url), {
      ...currentPolicy(),
      // The UI's files hold no secret and a page cannot send a header for them.
      tokenRequired: policy.tokenRequired && isApi,
    });
    if (refusal !== null) {
      res.setHeader('Connection', 'close');
      sendError(res, { code: refusal.code, message: refusal.message });
      return;
    }
    if (!isApi) {
      if (req.method === 'GET' || req.method === 'HEAD') {
        for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
          if (value !== undefined) res.setHeader(name, value);
        }
        await serveStatic(req, res, url.pathname, ui, opts.log);
      } else sendError(res, notFound(req, url).toWire());
      return;
    }
    try {
      const result = await routes.answer(req, url);
      if (result instanceof CoverAnswer) sendCover(req, res, result, SECURITY_HEADERS);
      else sendJson(res, 200, { ok: true, result });
    } catch (err) {
      const failure = toWireError(err);
      if (failure.code === 'internal') {
        opts.log.error({ err: failure.message, url: url.pathname }, 'web API fault');
      }
      // An unread body is left behind: the connection cannot be reused.
      if (failure.code === 'too-large') res.setHeader('Connection', 'close');
      sendError(res, failure);
      if (failure.code === 'too-large') req.resume();
    }
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const refusal = guardRequest(guardedFields(req, url), currentPolicy());
    if (refusal !== null) {
      refuseUpgrade(socket, refusal.status, refusal.code, refusal.message);
      return;
    }
    if (url.pathname !== '/api/events') {
      refuseUpgrade(socket, 404, 'not-found', `no WebSocket at ${url.pathname}`);
      return;
    }
    events.accept(req, socket, head);
  });
  server.on('clientError', (err, socket) => {
    opts.log.debug({ err: err.message }, 'malformed HTTP request');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  let port: number;
  try {
    port = await listen(server, opts.host, opts.port, opts.anyPortIfTaken === true);
  } catch (err) {
    events.close();
    throw err;
  }
  boundPort = port;
  policy.allowedHosts = allowedHostsFor(opts.host, port, wildcardHosts(opts.host));
  const urlHost = opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host === '::' ? '::1' : opts.host;
  const url = `http://${hostHeader(urlHost, port)}/`;
  opts.log.info({ url, token_required: policy.tokenRequired }, 'web UI listening');
  return {
    url,
    port,
    tokenRequired: policy.tokenRequired,
    close: async () => {
      events.close();
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

function guardedFields(req: IncomingMessage, url: URL): GuardedRequest {
  return {
    host: req.headers.host,
    origin: req.headers.origin,
    authorization: req.headers.authorization,
    queryToken: url.searchParams.get('token'),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function sendError(res: ServerResponse, err: WireError): void {
  sendJson(res, httpStatusOf(err.code), { ok: false, error: err });
}

function refuseUpgrade(socket: Duplex, status: number, code: ErrorCode, message: string): void {
  const body = JSON.stringify({ ok: false, error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} Refused\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/** A wildcard bind is reached by the machine's own addresses. */
function wildcardHosts(host: string): string[] {
  if (!isWildcard(host)) return [];
  return Object.values(networkInterfaces())
    .flat()
    .flatMap((info) => (info === undefined ? [] : [info.address]));
}

function listen(server: Server, host: string, port: number, anyPort: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      if (anyPort && port !== 0 && err.code === 'EADDRINUSE') {
        listen(server, host, 0, false).then(resolve, reject);
        return;
      }
      reject(
        new LanspreadError(
          'listen-failed',
          `the web UI cannot listen on ${hostHeader(host, port)}: ${err.message}`,
          { cause: err },
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
