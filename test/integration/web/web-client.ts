/** A tiny HTTP and WebSocket client for the web API tests: every header under the test's control. */
import { request, type IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';

export interface ApiAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: { ok: boolean; result?: unknown; error?: { code: string; message: string } };
}

export interface CallOptions {
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
  headers?: Record<string, string>;
}

export function call(
  port: number,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<ApiAnswer> {
  const body =
    opts.body === undefined
      ? undefined
      : typeof opts.body === 'string'
        ? opts.body
        : JSON.stringify(opts.body);
  const headers: Record<string, string> = {
    ...(body !== undefined && typeof opts.body !== 'string'
      ? { 'Content-Type': 'application/json' }
      : {}),
    ...opts.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: ApiAnswer['json'] = { ok: false };
        try {
          json = JSON.parse(text) as ApiAnswer['json'];
        } catch {
          // Static files are not JSON; the test reads `text`.
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens the event stream; resolves once open, or rejects with the refusal's HTTP status. */
export function openEvents(
  port: number,
  opts: { path?: string; headers?: Record<string, string> } = {},
): Promise<{ ws: WebSocket; events: Record<string, unknown>[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${opts.path ?? '/api/events'}`, {
      headers: opts.headers ?? {},
    });
    const events: Record<string, unknown>[] = [];
    ws.on('message', (data: Buffer) => {
      events.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
    });
    ws.once('open', () => {
      resolve({ ws, events });
    });
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`upgrade refused: ${res.statusCode}`));
    });
    ws.once('error', reject);
  });
}
