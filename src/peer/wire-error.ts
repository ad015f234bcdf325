/** The one mapping from anything thrown to the `{code, message}` every adapter answers with. */
import { LanspreadError, errorMessage, type ErrorCode } from '../errors.js';
import type { WireError } from './contract.js';

/** A LanspreadError keeps its code; anything else is a fault of ours: `internal`. */
export function toWireError(err: unknown): WireError & { code: ErrorCode } {
  if (err instanceof LanspreadError) return { code: err.code, message: err.message };
  return { code: 'internal', message: errorMessage(err) };
}
