/** The routes under /api/ (docs/api.md): each answers a result or throws a LanspreadError. */
import type { IncomingMessage } from 'node:http';
import { LanspreadError } from '../errors.js';
import type { LogRing } from '../logger.js';
import { parsePeerCommand, type Peer, type PeerCommand } from '../peer/index.js';
import { CoverAnswer } from './cover-answer.js';
import { readJsonBody } from './json-body.js';
import { isLoopbackAddress } from './request-guard.js';
import { SHARE_OFF, type ShareServer } from './share-server.js';

const LOG_LINES_DEFAULT = 200;
const LOG_LINES_MAX = 1000;

/** `GET /api/ui-urls`: where a phone on the LAN opens this UI. */
export interface UiUrls {
  /** The UI listens on loopback only: no other machine can open it. */
  loopback: boolean;
  urls: string[];
}

/** All the web API needs of the runtime: its commands, its events and the catalog's covers. */
export type PeerApi = Pick<Peer, 'execute' | 'onEvent' | 'cover'>;

export interface ApiContext {
  peer: PeerApi;
  logRing: LogRing | undefined;
  /** Called after the shutdown command stopped the peer. */
  onShutdown: (() => void) | undefined;
  share: ShareServer | undefined;
  /** `http://ADDRESS:PORT/` of this UI for every LAN address; none when it listens on loopback. */
  uiUrls: () => UiUrls;
}

export class ApiRoutes {
  constructor(readonly context: ApiContext) {}

  async answer(req: IncomingMessage, url: URL): Promise<unknown> {
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    const files = /^GET \/api\/games\/([^/]+)\/files$/.exec(route);
    const command = /^POST \/api\/commands\/([^/]+)$/.exec(route);
    const cover = /^(?:GET|HEAD) \/api\/games\/([^/]+)\/cover$/.exec(route);
    if (cover?.[1] !== undefined) return this.#cover(safeDecode(cover[1]));
    if (files?.[1] !== undefined)
      return this.#run({ cmd: 'game-files', game: safeDecode(files[1]) });
    if (command?.[1] !== undefined) return this.#command(req, safeDecode(command[1]));
    switch (route) {
      case 'GET /api/games':
        return this.#run({ cmd: 'list-games' });
      case 'GET /api/peers':
        return this.#run({ cmd: 'list-peers' });
      case 'GET /api/status':
        return this.#run({ cmd: 'status' });
      case 'GET /api/catalog':
        return this.#run({ cmd: 'catalog' });
      case 'GET /api/settings':
        return this.#run({ cmd: 'get-settings' });
      case 'PUT /api/settings':
        return this.#run({ ...(await readJsonBody(req)), cmd: 'set-settings' });
      case 'PUT /api/limits':
        return this.#run({ ...(await readJsonBody(req)), cmd: 'set-limits' });
      case 'GET /api/share':
        return this.context.share?.info() ?? SHARE_OFF;
      case 'GET /api/ui-urls':
        return this.context.uiUrls();
      case 'GET /api/log':
        return { lines: this.context.logRing?.last(logLines(url)) ?? [] };
      case 'GET /api/events':
        throw new LanspreadError('bad-command', 'GET /api/events is a WebSocket: upgrade to it');
      default:
        throw notFound(req, url);
    }
  }

  async #command(req: IncomingMessage, cmd: string): Promise<unknown> {
    const command = parse({ ...(await readJsonBody(req)), cmd });
    if (command.cmd === 'shutdown' && !isLoopbackAddress(req.socket.remoteAddress)) {
      throw new LanspreadError('forbidden', 'shutdown is only accepted from this machine');
    }
    const result = await this.context.peer.execute(command);
    if (command.cmd === 'shutdown')
      setImmediate(() => {
        this.context.onShutdown?.();
      });
    return result;
  }

  #cover(game: string): CoverAnswer {
    const cover = this.context.peer.cover(game);
    if (cover === null)
      throw new LanspreadError('no-cover', `the catalog has no cover for ${game}`);
    return new CoverAnswer(cover);
  }

  /** Every route that is a command goes through the same parse as a JSONL line. */
  #run(value: Record<string, unknown>): Promise<unknown> {
    return this.context.peer.execute(parse(value));
  }
}

function parse(value: Record<string, unknown>): PeerCommand {
  const parsed = parsePeerCommand(value);
  if (!parsed.ok) throw new LanspreadError('bad-command', parsed.message);
  return parsed.command;
}

export function notFound(req: IncomingMessage, url: URL): LanspreadError {
  return new LanspreadError('not-found', `no route ${req.method ?? 'GET'} ${url.pathname}`);
}

function logLines(url: URL): number {
  const asked = Number(url.searchParams.get('lines') ?? LOG_LINES_DEFAULT);
  if (!Number.isInteger(asked) || asked < 1) return LOG_LINES_DEFAULT;
  return Math.min(asked, LOG_LINES_MAX);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
