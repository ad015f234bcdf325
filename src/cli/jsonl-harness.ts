/** `lanspread peer`: one peer driven by JSON lines on stdin, answering and reporting on stdout. */
import { createInterface } from 'node:readline';
import { toWireError } from '../errors.js';
import type { Logger } from '../logger.js';
import { Peer, parsePeerCommand, type PeerEvent, type PeerOptions } from '../peer/index.js';
import { terminalJson } from '../terminal-text.js';

type Scalar = string | number | boolean | null;

/** What the harness needs of the runtime: its commands, and a way to stop it. */
export type JsonlPeer = Pick<Peer, 'execute' | 'shutdown'>;

/** Runs until stdin ends or `shutdown` is answered; resolves to the process exit code. */
export async function runJsonlPeer(
  opts: PeerOptions,
  io: { input: NodeJS.ReadableStream; write: (line: string) => void; version: string; log: Logger },
): Promise<number> {
  const out = (value: object): void => {
    // Often read on a terminal: remote text in it (a peer's reason) must stay inert there.
    io.write(`${terminalJson(value)}\n`);
  };
  out({ event: 'cli-started', version: io.version });
  const peer = await Peer.start(opts, (event: PeerEvent) => {
    out(event);
  });
  await answerJsonl(peer, { input: io.input, out, log: io.log });
  return 0;
}

/**
 * Answers each command line of `input` with one `{id, ok, …}` line, until the input ends or
 * `shutdown` is answered; then shuts the peer down.
 */
export async function answerJsonl(
  peer: JsonlPeer,
  io: { input: NodeJS.ReadableStream; out: (value: object) => void; log: Logger },
): Promise<void> {
  const out = io.out;
  const lines = createInterface({ input: io.input, crlfDelay: Infinity });
  const inFlight = new Set<Promise<void>>();
  // An object, not a let: the answer closures set it while the read loop checks it.
  const state = { shutdownRequested: false };

  const answer = async (id: Scalar, value: unknown): Promise<void> => {
    const parsed = parsePeerCommand(value);
    if (!parsed.ok) {
      out({ id, ok: false, error: { code: 'bad-command', message: parsed.message } });
      return;
    }
    if (parsed.command.cmd === 'shutdown') state.shutdownRequested = true;
    try {
      const result = await peer.execute(parsed.command);
      out({ id, ok: true, result });
    } catch (err) {
      const error = toWireError(err);
      if (error.code === 'internal')
        io.log.error(
          { err: error.message, cmd: parsed.command.cmd },
          'command failed unexpectedly',
        );
      out({ id, ok: false, error });
    }
    if (state.shutdownRequested) lines.close();
  };

  for await (const line of lines) {
    if (line.trim() === '') continue;
    const { id, value, error } = readCommandLine(line);
    if (error !== undefined) {
      out({ id, ok: false, error: { code: 'bad-command', message: error } });
      continue;
    }
    const task = answer(id, value).finally(() => inFlight.delete(task));
    inFlight.add(task);
    if (state.shutdownRequested) break;
  }
  // EOF or shutdown: leave gracefully; commands still running end with the peer.
  await peer.shutdown();
  await Promise.race([
    Promise.allSettled([...inFlight]),
    new Promise((done) => setTimeout(done, 2_000).unref()),
  ]);
}

function readCommandLine(line: string): { id: Scalar; value?: unknown; error?: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { id: null, error: `not a JSON line: ${line.slice(0, 80)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { id: null, error: 'a command is a JSON object' };
  }
  const { id: rawId = null, ...command } = value as Record<string, unknown>;
  const id: Scalar = isScalar(rawId) ? rawId : null;
  if (!isScalar(rawId)) return { id, error: 'id must be a JSON scalar' };
  // The id is the line's, not an argument: a strict command would refuse it.
  return { id, value: command };
}

function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}
