/** The TLS transport: listening, dialling and authenticated framed connections. */
export { Connection, type CloseInfo } from './connection.js';
export {
  Transport,
  type BoundAddress,
  type DialOptions,
  type InboundData,
  type InboundLimits,
  type ConnectionRole,
  type TransportOptions,
} from './transport.js';
export {
  KeyedRateLimit,
  TokenBucket,
  type KeyedRateLimitOptions,
  type RateLimitOptions,
} from './rate-limit.js';
