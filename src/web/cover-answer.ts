/** `GET /api/games/:id/cover`: the catalog's image bytes, revalidated by a hash of them. */
import { createHash } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { CoverImage } from '../catalog/index.js';

/** A route's answer that is an image, not JSON. */
export class CoverAnswer {
  constructor(readonly cover: CoverImage) {}
}

// The catalog's covers live as long as the process; each is hashed once.
const etags = new WeakMap<CoverImage, string>();

function etagOf(cover: CoverImage): string {
  let etag = etags.get(cover);
  if (etag === undefined) {
    etag = `"${createHash('sha256').update(cover.bytes).digest('base64url').slice(0, 22)}"`;
    etags.set(cover, etag);
  }
  return etag;
}

export function sendCover(
  req: IncomingMessage,
  res: ServerResponse,
  answer: CoverAnswer,
  securityHeaders: OutgoingHttpHeaders,
): void {
  const { cover } = answer;
  const etag = etagOf(cover);
  // Another catalog after a restart may change a cover: the browser asks again each time, cheaply.
  const headers = { ...securityHeaders, ETag: etag, 'Cache-Control': 'private, no-cache' };
  const asked = req.headers['if-none-match'];
  if (asked !== undefined && asked.split(',').some((tag) => tag.trim() === etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, {
    ...headers,
    'Content-Type': cover.type,
    'Content-Length': cover.bytes.length,
  });
  res.end(req.method === 'HEAD' ? undefined : cover.bytes);
}
