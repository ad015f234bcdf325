/** A real `lanspread peer` child process driven over JSONL, as the scenario runner uses it. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));
/**
 * `LANSPREAD_EXE=release/lanspread-linux-x64` runs the peers as that executable instead, in an
 * empty environment (no node on PATH, no HOME): what a guest with nothing installed runs.
 */
const EXE = process.env.LANSPREAD_EXE;
/**
 * `LANSPREAD_TEST_ENCRYPT_TRANSFERS=1` starts every peer with `--encrypt-transfers`: chunks over
 * TLS instead of plaintext data connections (`npm test` runs the transfer scenarios both ways).
 */
const ENCRYPT_TRANSFERS = process.env.LANSPREAD_TEST_ENCRYPT_TRANSFERS === '1';

export type Json = Record<string, unknown>;
export interface Answer {
  id: unknown;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

export interface PeerProcessOptions {
  games: string;
  state: string;
  name: string;
  catalog?: string;
  extraArgs?: string[];
  stderrFile: string;
  /**
   * Runs the peer inside this network namespace (`ip netns exec`), listening on all its
   * addresses with discovery on; otherwise it listens on loopback with discovery off.
   */
  netns?: string;
  /** Runs this peer as that executable in an empty environment, whatever LANSPREAD_EXE says. */
  executable?: string;
  /** Pins the peer and all its threads to these cores (`taskset -c`, e.g. "0" or "0,1"). */
  cpuList?: string;
}

/** The command run on the cores of `cpuList` (taskset execs it: the pid stays the command's). */
export function onCores(cpuList: string | undefined, command: string[]): string[] {
  return cpuList === undefined ? command : ['taskset', '-c', cpuList, ...command];
}

export class PeerProcess {
  readonly name: string;
  readonly events: Json[] = [];
  /** When each of `events` arrived (performance.now()), for a bench's breakdown. */
  readonly #arrivals = new WeakMap<Json, number>();
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #pending = new Map<
    number,
    { resolve: (answer: Answer) => void; reject: (err: Error) => void }
  >();
  readonly #waiters = new Set<() => void>();
  readonly #stderr: WriteStream;
  readonly exited: Promise<number | null>;
  #nextId = 1;
  peerId = '';
  addr = '';

  private constructor(opts: PeerProcessOptions) {
    this.name = opts.name;
    const args = ['peer', '--games', opts.games, '--state', opts.state, '--name', opts.name];
    if (opts.netns === undefined) args.push('--listen', '127.0.0.1:0', '--no-mdns');
    else args.push('--listen', '0.0.0.0:0');
    args.push('--log-level', 'debug');
    if (ENCRYPT_TRANSFERS) args.push('--encrypt-transfers');
    if (opts.catalog !== undefined) args.push('--catalog', opts.catalog);
    args.push(...(opts.extraArgs ?? []));
    const exe = opts.executable ?? EXE;
    const command = onCores(
      opts.cpuList,
      exe === undefined ? [process.execPath, CLI, ...args] : [exe, ...args],
    );
    const [file = '', ...rest] =
      opts.netns === undefined ? command : ['ip', 'netns', 'exec', opts.netns, ...command];
    this.#child = spawn(file, rest, {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(exe === undefined || opts.netns !== undefined ? {} : { env: {} }),
    });
    this.#stderr = createWriteStream(opts.stderrFile, { flags: 'a' });
    this.#child.stderr.pipe(this.#stderr);
    // Writing to a peer the test killed must not crash the test (EPIPE); its answer fails instead.
    this.#child.stdin.on('error', () => undefined);
    this.exited = new Promise((done) =>
      this.#child.once('exit', (code) => {
        done(code);
      }),
    );
    // A dead peer answers nothing more: fail what waits for it now, not at its timeout.
    void this.exited.then((code) => {
      for (const [id, pending] of this.#pending) {
        this.#pending.delete(id);
        pending.reject(new Error(`${this.name} exited (${code}) before answering`));
      }
    });
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      this.#onLine(line);
    });
  }

  /** Starts a peer and waits for its `local-peer-ready`. */
  static async start(opts: PeerProcessOptions): Promise<PeerProcess> {
    const peer = new PeerProcess(opts);
    const ready = await Promise.race([
      peer.waitEvent((e) => e.event === 'local-peer-ready', 20_000),
      peer.exited.then((code) => {
        throw new Error(
          `peer ${opts.name} exited with ${code} before it was ready (see ${opts.stderrFile})`,
        );
      }),
    ]);
    peer.peerId = String(ready.peer_id);
    peer.addr = String(ready.addr);
    return peer;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Sends one raw line, for garbage tests. */
  sendRaw(line: string): void {
    this.#child.stdin.write(`${line}\n`);
  }

  /** Sends a command and resolves with its one answer (ok or not). */
  request(cmd: string, args: Json = {}, timeoutMs = 30_000): Promise<Answer> {
    const id = this.#nextId++;
    return new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name}: no answer to ${cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.#child.stdin.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    });
  }

  /** Sends a command that must succeed; returns its result. */
  async cmd<T = Json>(cmd: string, args: Json = {}, timeoutMs?: number): Promise<T> {
    const answer = await this.request(cmd, args, timeoutMs);
    if (!answer.ok) throw new Error(`${this.name}: ${cmd} failed: ${JSON.stringify(answer.error)}`);
    return answer.result as T;
  }

  /** Resolves with the first event (already seen or future) that matches. */
  waitEvent(match: (e: Json) => boolean, timeoutMs = 15_000, from = 0): Promise<Json> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.events.slice(from).find(match);
        if (found === undefined) return false;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(
            `${this.name}: event not seen within ${timeoutMs} ms; saw ${this.events.map((e) => String(e.event)).join(', ')}`,
          ),
        );
      }, timeoutMs);
      if (!check()) this.#waiters.add(check);
    });
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.#child.kill(signal);
  }

  /** Asks for a graceful shutdown and waits for the exit code. */
  async shutdown(): Promise<number | null> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      await this.request('shutdown', {}, 10_000).catch(() => undefined);
    }
    return this.exited;
  }

  /** When `event`, one of `events`, arrived (performance.now()). */
  arrivedAt(event: Json): number | undefined {
    return this.#arrivals.get(event);
  }

  #onLine(line: string): void {
    let msg: Json;
    try {
      msg = JSON.parse(line) as Json;
    } catch {
      this.events.push({ event: '__non-json-stdout__', line });
      return;
    }
    if ('event' in msg) {
      this.events.push(msg);
      this.#arrivals.set(msg, performance.now());
      for (const waiter of [...this.#waiters]) waiter();
      return;
    }
    const pending = typeof msg.id === 'number' ? this.#pending.get(msg.id) : undefined;
    if (pending !== undefined) {
      this.#pending.delete(msg.id as number);
      pending.resolve(msg as unknown as Answer);
    } else {
      this.events.push({ event: '__unmatched-answer__', ...msg });
    }
  }
}
