/** Reads a JSON request body of at most 64 KiB; every fault becomes a LanspreadError. */
import type { IncomingMessage } from 'node:http';
import { LanspreadError } from '../errors.js';

export const MAX_BODY_BYTES = 64 * 1024;

/** The body as a JSON object; an empty body is `{}`. */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const body = await collect(req);
  if (body.length === 0) return {};
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new LanspreadError(
      'bad-command',
      `the body must be JSON (Content-Type: application/json), got ${JSON.stringify(type)}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new LanspreadError('bad-command', 'the body is not valid JSON', { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LanspreadError('bad-command', 'the body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * Buffers up to the limit. Past it the rest is read and dropped, not destroyed, so the client
 * still receives the 413 (a destroyed request takes its socket and the answer with it).
 */
function collect(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        reject(tooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function tooLarge(): LanspreadError {
  return new LanspreadError('too-large', `the body is over ${MAX_BODY_BYTES} bytes`);
}
