/** Keeps discovery's last error for `status` and logs errors without flooding the log. */
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { KeyedRateLimit } from '../net/index.js';

/** The same problem (context and code) is logged at most once a minute. */
const LOG_EVERY_MS = 60_000;

export class ErrorRecorder {
  readonly #log: Logger;
  readonly #limit = new KeyedRateLimit({ burst: 1, refillMs: LOG_EVERY_MS, maxKeys: 256 });
  readonly #suppressed = new Map<string, number>();
  #last: { context: string; text: string } | null = null;

  constructor(log: Logger) {
    this.#log = log;
  }

  get lastError(): string | null {
    return this.#last?.text ?? null;
  }

  /** Records a problem of `context` (e.g. `mdns eth0`); `err` may be an Error or a message. */
  record(context: string, err: unknown): void {
    const code = errorCode(err);
    const text = `${context}: ${code === undefined ? '' : `${code} `}${errorMessage(err)}`;
    this.#last = { context, text };
    const key = `${context}|${code ?? errorMessage(err)}`;
    if (this.#limit.take(key, Date.now())) {
      const suppressed = this.#suppressed.get(key) ?? 0;
      this.#suppressed.delete(key);
      this.#log.warn({ context, code, suppressed }, `discovery: ${text}`);
    } else {
      if (this.#suppressed.size > 256) this.#suppressed.clear();
      this.#suppressed.set(key, (this.#suppressed.get(key) ?? 0) + 1);
    }
  }

  /** Clears the last error if it was about `context` and that problem is gone. */
  resolve(context: string): void {
    if (this.#last?.context === context) this.#last = null;
  }
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}
