/** The HTTP status of each error code (docs/api.md "Answers"). */
import type { ErrorCode } from '../errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  'bad-command': 400,
  unauthorized: 401,
  'bad-origin': 403,
  forbidden: 403,
  'unknown-game': 404,
  'not-installed': 404,
  'not-found': 404,
  'operation-in-progress': 409,
  'already-installed': 409,
  'not-downloaded': 409,
  'already-up-to-date': 409,
  'shutting-down': 409,
  'already-running': 409,
  'game-running': 409,
  'nothing-to-cancel': 409,
  'too-large': 413,
  'bad-host': 421,
  internal: 500,
};

/** Command failures not listed (download-failed, insufficient-space, …) are 422. */
export function httpStatusFor(code: ErrorCode): number {
  return STATUS[code] ?? 422;
}
