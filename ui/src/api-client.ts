/** Calls the peer's web API (docs/api.md) with the token, and turns `ok: false` answers into ApiFailure. */
import { accessToken } from './access-token.js';
import type {
  ApiError,
  CatalogResult,
  FileRow,
  GamesResult,
  LimitsView,
  PeerRow,
  SettingsView,
  ShareInfo,
  StatusResult,
} from './api-types.js';

/** A failed API call with the server's code and message (or `network` when no answer came). */
export class ApiFailure extends Error {
  readonly code: string;
  constructor(error: ApiError) {
    super(error.message);
    this.code = error.code;
  }
}

const token = accessToken();

function apiUrl(path: string): URL {
  return new URL(`api/${path}`, new URL('./', window.location.href));
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(apiUrl(path), {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiFailure({ code: 'network', message: String(err) });
  }
  const answer = (await response.json().catch(() => null)) as
    { ok: true; result: T } | { ok: false; error: ApiError } | null;
  if (answer === null) {
    throw new ApiFailure({ code: 'network', message: `HTTP ${response.status} without an answer` });
  }
  if (!answer.ok) throw new ApiFailure(answer.error);
  return answer.result;
}

export const api = {
  games: () => call<GamesResult>('GET', 'games'),
  catalog: () => call<CatalogResult>('GET', 'catalog'),
  peers: () => call<PeerRow[]>('GET', 'peers'),
  status: () => call<StatusResult>('GET', 'status'),
  settings: () => call<SettingsView>('GET', 'settings'),
  share: () => call<ShareInfo>('GET', 'share'),
  uiUrls: () => call<{ loopback: boolean; urls: string[] }>('GET', 'ui-urls'),
  saveSettings: (changes: Partial<Omit<SettingsView, 'free_bytes'>>) =>
    call<SettingsView>('PUT', 'settings', changes),
  saveLimits: (changes: {
    upload_mib_s?: number | null;
    download_mib_s?: number | null;
    playing?: boolean;
  }) => call<LimitsView>('PUT', 'limits', changes),
  files: (game: string) =>
    call<{ files: FileRow[] }>('GET', `games/${encodeURIComponent(game)}/files`),
  log: (lines: number) => call<{ lines: Record<string, unknown>[] }>('GET', `log?lines=${lines}`),
  command: <T = unknown>(cmd: string, args: Record<string, unknown> = {}) =>
    call<T>('POST', `commands/${cmd}`, args),
};

/** A game's cover art: an <img> cannot send the header, so the token rides in the query. */
export function coverUrl(game: string): string {
  const url = apiUrl(`games/${encodeURIComponent(game)}/cover`);
  if (token !== null) url.searchParams.set('token', token);
  return url.toString();
}

/** This page's address on another machine (a phone): `base` with the token, which it needs off loopback. */
export function withToken(base: string): string {
  const url = new URL(base);
  if (token !== null) url.searchParams.set('token', token);
  return url.toString();
}

/** The WebSocket address of the event stream, with the token as the upgrade needs it. */
export function eventsUrl(): string {
  const url = apiUrl('events');
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token !== null) url.searchParams.set('token', token);
  return url.toString();
}
