/** The routes under /api/ (docs/api.md): each answers a result or throws a LanspreadError. */
import type { IncomingMessage } from 'node:http';
import { LanspreadError } from '../errors.js';
import type { LogRing } from '../logger.js';
import { parsePeerCommand, type Peer } from '../peer/index.js';
import { readJsonBody } from './json-body.js';
import { isLoopbackAddress } from './request-guard.js';
import type { SettingsKeeper } from './settings-keeper.js';
import { SHARE_OFF, type ShareServer } from './share-server.js';

const LOG_LINES_DEFAULT = 200;
const LOG_LINES_MAX = 1000;

export interface ApiContext {
  peer: Peer;
  settings: SettingsKeeper;
  logRing: LogRing | undefined;
  /** Called after the shutdown command stopped the peer. */
  onShutdown: (() => void) | undefined;
  share: ShareServer | undefined;
}

export class ApiRoutes {
  constructor(readonly context: ApiContext) {}

  async answer(req: IncomingMessage, url: URL): Promise<unknown> {
    const peer = this.context.peer;
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    const files = /^GET \/api\/games\/([^/]+)\/files$/.exec(route);
    const command = /^POST \/api\/commands\/([^/]+)$/.exec(route);
    if (files?.[1] !== undefined) return { files: await peer.gameFiles(safeDecode(files[1])) };
    if (command?.[1] !== undefined) return this.#command(req, safeDecode(command[1]));
    switch (route) {
      case 'GET /api/games':
        return peer.execute({ cmd: 'list-games' });
      case 'GET /api/peers':
        return peer.execute({ cmd: 'list-peers' });
      case 'GET /api/status':
        return peer.execute({ cmd: 'status' });
      case 'GET /api/catalog':
        return peer.catalogRows();
      case 'GET /api/settings':
        return this.context.settings.view();
      case 'PUT /api/settings':
        return this.context.settings.update(await readJsonBody(req));
      case 'GET /api/share':
        return this.context.share?.info() ?? SHARE_OFF;
      case 'GET /api/log':
        return { lines: this.context.logRing?.last(logLines(url)) ?? [] };
      case 'GET /api/events':
        throw new LanspreadError('bad-command', 'GET /api/events is a WebSocket: upgrade to it');
      default:
        throw notFound(req, url);
    }
  }

  async #command(req: IncomingMessage, cmd: string): Promise<unknown> {
    const body = await readJsonBody(req);
    if (cmd === 'play' || cmd === 'start-server') {
      const saved = this.context.settings.current;
      body.username ??= saved.username;
      body.language ??= saved.language;
    }
    const parsed = parsePeerCommand({ ...body, cmd });
    if (!parsed.ok) throw new LanspreadError('bad-command', parsed.message);
    if (parsed.command.cmd === 'shutdown' && !isLoopbackAddress(req.socket.remoteAddress)) {
      throw new LanspreadError('forbidden', 'shutdown is only accepted from this machine');
    }
    const result = await this.context.peer.execute(parsed.command);
    if (parsed.command.cmd === 'set-game-dir') await this.context.settings.rememberGamesDir();
    if (parsed.command.cmd === 'shutdown')
      setImmediate(() => {
        this.context.onShutdown?.();
      });
    return result;
  }
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
