/** Renames and removals of game folders, retried while Windows says another program holds them. */
import { rename, rm } from 'node:fs/promises';
import { LanspreadError } from '../errors.js';

/**
 * What Windows answers while a file is open elsewhere: the game itself, but for a moment also an
 * antivirus scan, the search indexer or Explorer's thumbnails. Elsewhere these codes mean a real
 * permission problem or a busy mount, which no wait cures, so only Windows retries.
 */
const IN_USE_CODES: ReadonlySet<string> = new Set(['EPERM', 'EBUSY', 'EACCES', 'ENOTEMPTY']);

export interface InUseRetryOptions {
  /** Tries in all (default 10). */
  readonly attempts?: number;
  /** The wait before the n-th retry is n times this (default 40 ms: ~1.8 s over 10 tries). */
  readonly stepMs?: number;
  /** Default `process.platform`; injected by tests. */
  readonly platform?: NodeJS.Platform;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `op`, again on Windows while it fails as if a file were in use, with a growing wait; when
 * the tries run out, fails with `file-in-use` saying `what` could not be done and why.
 */
export async function retryWhileInUse<T>(
  what: string,
  op: () => Promise<T>,
  opts: InUseRetryOptions = {},
): Promise<T> {
  const attempts = opts.attempts ?? 10;
  const stepMs = opts.stepMs ?? 40;
  const sleep = opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const retries = (opts.platform ?? process.platform) === 'win32';
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!retries || code === undefined || !IN_USE_CODES.has(code)) throw err;
      if (attempt >= attempts) {
        throw new LanspreadError(
          'file-in-use',
          `cannot ${what}: a program (the game, an antivirus or Explorer) has it open; close it and try again (${code})`,
          { cause: err },
        );
      }
      await sleep(stepMs * attempt);
    }
  }
}

/** `rename`, retried while the file or folder is in use. */
export function renameRetrying(from: string, to: string, opts?: InUseRetryOptions): Promise<void> {
  return retryWhileInUse(`move ${from} to ${to}`, () => rename(from, to), opts);
}

/** `rm -rf`, retried while something inside is in use; a missing path is no error. */
export function removeRetrying(path: string, opts?: InUseRetryOptions): Promise<void> {
  return retryWhileInUse(`remove ${path}`, () => rm(path, { recursive: true, force: true }), opts);
}
