/** What frames each kind of connection may carry, so no remote makes us buffer more than its role needs. */
import {
  DEFAULT_FRAME_LIMITS,
  MAX_CONTROL_PAYLOAD,
  MAX_HELLO_PAYLOAD,
  MAX_REQUEST_PAYLOAD,
  type FrameLimits,
} from '../protocol/index.js';
import type { ConnectionRole } from './tls-settings.js';

/** A peer session: no data frames, and a hello first. */
const CONTROL_LIMITS: FrameLimits = {
  control: MAX_CONTROL_PAYLOAD,
  data: 0,
  firstControl: MAX_HELLO_PAYLOAD,
};
/** A transfer or data connection we serve: requests only, the dialer sends no data. */
const SERVING_LIMITS: FrameLimits = { control: MAX_REQUEST_PAYLOAD, data: 0 };

export function frameLimitsFor(role: ConnectionRole | 'data', inbound: boolean): FrameLimits {
  if (role === 'control') return CONTROL_LIMITS;
  return inbound ? SERVING_LIMITS : DEFAULT_FRAME_LIMITS;
}

/**
 * Whether the connection's half-received frames count against the shared budget: all but our
 * own downloads, which we dialled and which read one answer at a time.
 */
export function countsFrames(role: ConnectionRole | 'data', inbound: boolean): boolean {
  return role === 'control' || inbound;
}
