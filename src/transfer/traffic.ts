/** File payload bytes this peer sent and received since it started, over every transfer. */
export class Traffic {
  /** Chunk bytes served (TLS and data connections) and entry bytes streamed. */
  sentBytes = 0;
  /** Chunk bytes downloaded (thrown-away ones included: they crossed the wire) and entry bytes streamed in. */
  receivedBytes = 0;
}
