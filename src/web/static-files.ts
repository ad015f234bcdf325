/**
 * Serves the built UI (dist/ui/, or the copy embedded in an executable): files by extension,
 * index.html for every other path (SPA).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { embeddedAsset } from '../embedded-assets.js';
import type { Logger } from '../logger.js';
import { errorMessage } from '../errors.js';

/** The UI's files: a folder, or in an executable a map of paths ('index.html', 'assets/…') to bytes. */
export type UiFiles = string | ReadonlyMap<string, Buffer>;

/** The UI embedded in this executable (assets 'ui-files.json' and 'ui/PATH'), if it is one. */
export function embeddedUiFiles(): ReadonlyMap<string, Buffer> | undefined {
  const list = embeddedAsset('ui-files.json');
  if (list === undefined) return undefined;
  const files = new Map<string, Buffer>();
  for (const name of JSON.parse(Buffer.from(list).toString('utf8')) as string[]) {
    const bytes = embeddedAsset(`ui/${name}`);
    if (bytes !== undefined) files.set(name, Buffer.from(bytes));
  }
  return files;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lanspread</title></head>
<body><h1>lanspread</h1><p>The web UI was not built. Run <code>npm run build</code> and start
<code>lanspread serve</code> again. The API under <code>/api/</code> works.</p></body></html>
`;

/** Answers a GET or HEAD for a non-API path from the UI's files. */
export async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  ui: UiFiles,
  log: Logger,
): Promise<void> {
  if (typeof ui !== 'string') {
    serveEmbedded(req, res, pathname, ui);
    return;
  }
  const uiDir = ui;
  const root = resolve(uiDir);
  const index = join(root, 'index.html');
  let file = resolve(root, `.${safeDecode(pathname)}`);
  // A path that climbs out of the UI folder, or names no file, gets the SPA's page.
  if ((file !== root && !file.startsWith(root + sep)) || !(await isFile(file))) file = index;
  if (file === index && !(await isFile(index))) {
    res.writeHead(503, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(req.method === 'HEAD' ? undefined : NOT_BUILT);
    return;
  }
  res.writeHead(200, headersFor(file, file === index));
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  try {
    await pipeline(createReadStream(file), res);
  } catch (err) {
    log.debug({ file, err: errorMessage(err) }, 'static file not fully sent');
    res.destroy();
  }
}

function serveEmbedded(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  files: ReadonlyMap<string, Buffer>,
): void {
  // Map keys are exact, so nothing can climb out; a missing name gets the SPA's page.
  const asked = safeDecode(pathname).replace(/^\/+/, '');
  const name = files.has(asked) ? asked : 'index.html';
  const bytes = files.get(name);
  if (bytes === undefined) {
    res.writeHead(503, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(req.method === 'HEAD' ? undefined : NOT_BUILT);
    return;
  }
  res.writeHead(200, {
    ...headersFor(name, name === 'index.html'),
    'Content-Length': bytes.length,
  });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

function headersFor(file: string, isIndex: boolean): Record<string, string> {
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  // Hashed assets never change; index.html must be fetched again after an upgrade.
  return { 'Content-Type': type, 'Cache-Control': isIndex ? 'no-cache' : 'public, max-age=3600' };
}

function safeDecode(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return '/';
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
