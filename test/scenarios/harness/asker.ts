/** A receiver asking on one transfer connection, one request at a time, as a downloader does. */
import type { Connection } from '../../../src/net/index.js';
import type { WireMessage } from '../../../src/protocol/index.js';

export class Asker {
  readonly #conn: Connection;
  #answer: ((msg: WireMessage) => void) | undefined;
  /** Bytes of data frames received since the last question. */
  dataBytes = 0;

  constructor(conn: Connection) {
    this.#conn = conn;
    conn.onMessage((msg) => this.#answer?.(msg));
    conn.onData((payload) => {
      this.dataBytes += payload.length;
    });
  }

  ask(msg: WireMessage): Promise<WireMessage> {
    this.dataBytes = 0;
    return new Promise((done, fail) => {
      const timer = setTimeout(() => {
        fail(new Error(`no answer to ${JSON.stringify(msg)}`));
      }, 15_000);
      this.#answer = (answer) => {
        clearTimeout(timer);
        this.#answer = undefined;
        done(answer);
      };
      this.#conn.send(msg);
    });
  }

  close(): void {
    this.#conn.close();
  }
}

/** The code of a refusal, or the kind of answer when it was not one. */
export const refusal = (answer: WireMessage): string =>
  answer.t === 'refused' ? answer.code : `answered ${answer.t}`;
