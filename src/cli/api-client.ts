/** A client of a running `lanspread serve`: found through STATE/serve.json, spoken to over HTTP. */
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../errors.js';

export interface ServeInfo {
  url: string;
  token: string;
  pid: number;
}

const serveInfoSchema = z.object({
  url: z.string().regex(/^http:\/\//),
  token: z.string().min(1),
  pid: z.number().int(),
});

const answerSchema = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({
    ok: z.literal(false),
    error: z.object({ code: z.string(), message: z.string() }),
  }),
]);

/** Every answer of the API, exactly as docs/api.md shapes it. */
export type ApiAnswer = z.infer<typeof answerSchema>;

/** No peer answers for this state folder: the CLI says what to do and exits 3. */
export class PeerNotRunning extends Error {}

export const START_HINT = 'start it with: lanspread serve';

export async function findServe(stateDir: string): Promise<ServeInfo> {
  const file = join(stateDir, 'serve.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new PeerNotRunning(
      missing
        ? `no lanspread serve is running for ${stateDir} (no serve.json)`
        : `cannot read ${file}: ${errorMessage(err)}`,
    );
  }
  let parsed;
  try {
    parsed = serveInfoSchema.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (parsed?.success !== true) {
    throw new PeerNotRunning(`${file} is not the serve.json of a lanspread serve`);
  }
  return parsed.data;
}

/**
 * Uses node:http rather than fetch: fetch gives up on answers that take over 300 s to start,
 * and a download answers only when it has finished.
 */
export class ApiClient {
  readonly info: ServeInfo;

  constructor(info: ServeInfo) {
    this.info = info;
  }

  static async forState(stateDir: string): Promise<ApiClient> {
    return new ApiClient(await findServe(stateDir));
  }

  get(path: string): Promise<ApiAnswer> {
    return this.#send('GET', path, undefined);
  }

  /** `POST /api/commands/:cmd`: the command's answer, when the command has finished. */
  command(cmd: string, args: Record<string, unknown>): Promise<ApiAnswer> {
    return this.#send('POST', `api/commands/${encodeURIComponent(cmd)}`, JSON.stringify(args));
  }

  #send(method: string, path: string, body: string | undefined): Promise<ApiAnswer> {
    const url = new URL(path, this.info.url);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          headers: {
            authorization: `Bearer ${this.info.token}`,
            ...(body === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (err) => {
            reject(this.#unreachable(err));
          });
          res.on('end', () => {
            resolve(readAnswer(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
          });
        },
      );
      req.on('error', (err) => {
        reject(this.#unreachable(err));
      });
      req.end(body);
    });
  }

  #unreachable(err: Error): PeerNotRunning {
    const code = (err as NodeJS.ErrnoException).code ?? err.message;
    return new PeerNotRunning(
      code === 'ECONNREFUSED'
        ? `no lanspread serve answers at ${this.info.url} (its serve.json is left from an earlier run)`
        : `lanspread serve at ${this.info.url} stopped answering (${code})`,
    );
  }
}

/** Anything that is not an API answer (a proxy page, a truncated body) still becomes one. */
function readAnswer(status: number, text: string): ApiAnswer {
  let parsed;
  try {
    parsed = answerSchema.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (parsed?.success === true) return parsed.data;
  return {
    ok: false,
    error: { code: 'internal', message: `HTTP ${status}: not an answer of lanspread serve` },
  };
}
