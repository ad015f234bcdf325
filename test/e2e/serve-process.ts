/** A real `lanspread serve` child process: started from dist/, its UI address read from stdout. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface ServeOptions {
  name: string;
  games: string;
  state: string;
  stderrFile: string;
  /** HOST:PORT of the UI; default a free loopback port. */
  ui?: string;
  /** HOST:PORT of the share page; default a free loopback port. */
  share?: string;
  /** A network namespace to run in (`ip netns exec`); the UI is then reached from inside it only. */
  netns?: string;
  extraArgs?: string[];
}

export class ServeProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The page address from the `lanspread UI: URL` line. */
  readonly url: string;
  readonly #state: string;

  private constructor(opts: ServeOptions, child: ChildProcess, url: string) {
    this.name = opts.name;
    this.child = child;
    this.url = url;
    this.#state = opts.state;
  }

  /** The API token of STATE/serve.json: needed when the UI listens off loopback. */
  async token(): Promise<string> {
    const serve = JSON.parse(await readFile(join(this.#state, 'serve.json'), 'utf8')) as {
      token: string;
    };
    return serve.token;
  }

  static async start(opts: ServeOptions): Promise<ServeProcess> {
    const args = [
      CLI,
      'serve',
      '--name',
      opts.name,
      '--games',
      opts.games,
      '--state',
      opts.state,
      '--ui',
      opts.ui ?? '127.0.0.1:0',
      '--listen',
      '127.0.0.1:0',
      '--no-mdns',
      '--share',
      opts.share ?? '127.0.0.1:0',
      ...(opts.extraArgs ?? []),
    ];
    const child =
      opts.netns === undefined
        ? spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn('ip', ['netns', 'exec', opts.netns, process.execPath, ...args], {
            stdio: ['ignore', 'pipe', 'pipe'],
          });
    child.stderr.pipe(createWriteStream(opts.stderrFile, { flags: 'a' }));
    const lines = createInterface({ input: child.stdout });
    const exited = once(child, 'exit').then(([code]) => {
      throw new Error(`serve ${opts.name} exited with ${String(code)} before its UI line`);
    });
    const url = await Promise.race([
      (async () => {
        for await (const line of lines) {
          const match = /^lanspread UI: (\S+)/.exec(line);
          if (match !== null) return match[1]!;
        }
        throw new Error(`serve ${opts.name} closed stdout before its UI line`);
      })(),
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => {
          reject(new Error(`serve ${opts.name} printed no UI line within 15 s`));
        }, 15_000).unref(),
      ),
    ]);
    // Keep draining stdout so the child never blocks on a full pipe.
    lines.on('line', () => undefined);
    return new ServeProcess(opts, child, url);
  }

  /** One API call, answering the `result` of an `ok: true` answer. */
  async api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${await this.token()}` };
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(new URL(`api/${path}`, this.url), {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? null : JSON.stringify(init.body),
    });
    const answer = (await response.json()) as { ok: boolean; result?: T; error?: unknown };
    if (!answer.ok) throw new Error(`${path}: ${JSON.stringify(answer.error)}`);
    return answer.result as T;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Ends the process (SIGTERM, then SIGKILL after 5 s) and waits for it. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exit = once(this.child, 'exit');
    this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exit;
    clearTimeout(timer);
  }
}
