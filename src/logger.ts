/** The logger every part receives: pino writing JSON lines to stderr, never to stdout. */
import { pino } from 'pino';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(fields: LogFields, msg: string): void;
  info(fields: LogFields, msg: string): void;
  warn(fields: LogFields, msg: string): void;
  error(fields: LogFields, msg: string): void;
  child(bindings: LogFields): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** The last records written, oldest first, for `GET /api/log`; memory bounded by `capacity`. */
export class LogRing {
  readonly #lines: string[] = [];
  #next = 0;

  constructor(readonly capacity = 1000) {}

  /** pino hands each record over as one JSON line. */
  write(line: string): void {
    if (this.#lines.length < this.capacity) this.#lines.push(line);
    else this.#lines[this.#next] = line;
    this.#next = (this.#next + 1) % this.capacity;
  }

  /** The last `count` records, oldest first. */
  last(count: number): object[] {
    const ordered =
      this.#lines.length < this.capacity
        ? this.#lines
        : [...this.#lines.slice(this.#next), ...this.#lines.slice(0, this.#next)];
    return ordered.slice(Math.max(0, ordered.length - count)).map(parseRecord);
  }
}

function parseRecord(line: string): object {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? value : { msg: line };
  } catch {
    return { msg: line.trimEnd() };
  }
}

/** Logs to stderr; with a ring, every record that reaches stderr is also kept there. */
export function createLogger(level: LogLevel = 'info', ring?: LogRing): Logger {
  const stderr = pino.destination({ fd: 2, sync: true });
  const options = { level, base: { pid: process.pid } };
  if (ring === undefined || level === 'silent') return pino(options, stderr);
  return pino(
    options,
    pino.multistream([
      { level, stream: stderr },
      { level, stream: ring },
    ]),
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });
