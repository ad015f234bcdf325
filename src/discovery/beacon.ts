/** The UDP broadcast beacon: announces this peer on every subnet and hears the others. */
import dgram from 'node:dgram';
import type { PeerId, SoftwareVersion } from '../ids.js';
import type { Logger } from '../logger.js';
import { decodeBeacon, encodeBeacon, type BeaconMessage } from './beacon-codec.js';
import type { ErrorRecorder } from './error-recorder.js';
import type { LanInterface } from './lan-interfaces.js';
import { KeyedRateLimit } from '../net/index.js';

export const DEFAULT_BEACON_PORT = 47625;
export const DEFAULT_BEACON_INTERVAL_MS = 15_000;
/** Right after start beacons go out faster, so peers starting together meet at once. */
const FAST_PHASE_MS = 30_000;
const FAST_INTERVAL_MS = 3_000;
/** A peer not heard for this long counts as new again, and is answered at once. */
const KNOWN_FOR_MS = 60_000;
const MAX_KNOWN = 4096;
const ANSWER_EVERY_MS = 1000;

export interface BeaconOptions {
  peerId: PeerId;
  listenPort: number;
  /** Our lanspread release, told in every beacon. */
  software: SoftwareVersion;
  port: number;
  /** The steady interval between beacons (the first 30 s use at most 3 s). */
  intervalMs: number;
  log: Logger;
  errors: ErrorRecorder;
  /** The current interfaces; read at every send. */
  interfaces(): readonly LanInterface[];
  /** A beacon of another peer, heard from `host`. */
  onBeacon(host: string, beacon: BeaconMessage): void;
}

export interface BeaconCounts {
  sent: number;
  received: number;
  ignored: number;
}

export class Beacon {
  readonly counts: BeaconCounts = { sent: 0, received: 0, ignored: 0 };
  readonly #opts: BeaconOptions;
  readonly #socket: dgram.Socket;
  readonly #datagram: Buffer;
  readonly #startedAt = Date.now();
  /** At most 4 candidates per source address in a burst, then one a second. */
  readonly #perSource = new KeyedRateLimit({ burst: 4, refillMs: 1000 });
  /** Answers to new peers: at most one round a second; one waiting round serves them all. */
  #lastAnswerAt = -Infinity;
  #answerTimer: NodeJS.Timeout | undefined;
  /** Peer id → last time heard, oldest first; bounded, so a flood of made-up ids cannot grow it. */
  readonly #known = new Map<PeerId, number>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #closed = false;

  private constructor(opts: BeaconOptions, socket: dgram.Socket) {
    this.#opts = opts;
    this.#socket = socket;
    this.#datagram = encodeBeacon({
      peerId: opts.peerId,
      port: opts.listenPort,
      software: opts.software,
    });
  }

  /** Binds the beacon port and starts announcing; a bind failure is recorded, not thrown. */
  static async start(opts: BeaconOptions): Promise<Beacon> {
    // reuseAddr: several peers on one host share the port; broadcasts reach each of them.
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    const beacon = new Beacon(opts, socket);
    socket.on('message', (msg, rinfo) => {
      beacon.#receive(msg, rinfo);
    });
    const bound = await new Promise<boolean>((resolve) => {
      const onBindError = (err: Error): void => {
        opts.errors.record(`beacon port ${opts.port}`, err);
        resolve(false);
      };
      socket.once('error', onBindError);
      socket.bind({ port: opts.port, address: '0.0.0.0' }, () => {
        socket.removeListener('error', onBindError);
        resolve(true);
      });
    });
    // A later socket error is recorded; the socket stays open for the next send.
    socket.on('error', (err) => {
      opts.errors.record('beacon', err);
    });
    if (!bound) {
      beacon.#closed = true;
      socket.close();
      return beacon;
    }
    socket.setBroadcast(true);
    beacon.#running = true;
    beacon.#sendRound();
    beacon.#schedule();
    return beacon;
  }

  get running(): boolean {
    return this.#running;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#running = false;
    clearTimeout(this.#timer);
    clearTimeout(this.#answerTimer);
    await new Promise<void>((resolve) => {
      this.#socket.close(() => {
        resolve();
      });
    });
  }

  #schedule(): void {
    const fast = Date.now() - this.#startedAt < FAST_PHASE_MS;
    const base = fast ? Math.min(FAST_INTERVAL_MS, this.#opts.intervalMs) : this.#opts.intervalMs;
    // ±10 % jitter keeps peers started together from beaconing in lockstep.
    const delay = base * (0.9 + Math.random() * 0.2);
    this.#timer = setTimeout(() => {
      this.#sendRound();
      this.#schedule();
    }, delay);
  }

  /** Sends one beacon to the broadcast address of each subnet. */
  #sendRound(): void {
    if (this.#closed) return;
    const addresses = new Set<string>();
    for (const iface of this.#opts.interfaces()) {
      if (iface.broadcast !== null) addresses.add(iface.broadcast);
    }
    for (const address of addresses) {
      // Directed broadcast, not 255.255.255.255: that one fails where no default route exists.
      try {
        this.#socket.send(this.#datagram, this.#opts.port, address, (err) => {
          if (err) this.#opts.errors.record(`beacon to ${address}`, err);
          else this.counts.sent++;
        });
      } catch (err) {
        this.#opts.errors.record(`beacon to ${address}`, err);
      }
    }
  }

  /**
   * A new peer gets our beacon at once rather than at our next round. When peers start
   * together the answers coalesce: a round deferred by the limit still goes out within 1 s.
   */
  #answerSoon(now: number): void {
    if (this.#answerTimer !== undefined) return;
    const wait = this.#lastAnswerAt + ANSWER_EVERY_MS - now;
    const answer = (): void => {
      this.#answerTimer = undefined;
      this.#lastAnswerAt = Date.now();
      this.#sendRound();
    };
    if (wait <= 0) answer();
    else this.#answerTimer = setTimeout(answer, wait);
  }

  /** Notes that `peerId` was heard; true when it was not heard within KNOWN_FOR_MS. */
  #heard(peerId: PeerId, now: number): boolean {
    const last = this.#known.get(peerId);
    this.#known.delete(peerId);
    this.#known.set(peerId, now);
    if (this.#known.size > MAX_KNOWN) {
      const oldest = this.#known.keys().next().value;
      if (oldest !== undefined) this.#known.delete(oldest);
    }
    return last === undefined || now - last > KNOWN_FOR_MS;
  }

  #receive(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const beacon = decodeBeacon(msg);
    if (beacon === null) {
      this.counts.ignored++;
      return;
    }
    // Our own broadcasts come back to us.
    if (beacon.peerId === this.#opts.peerId) return;
    this.counts.received++;
    const now = Date.now();
    const isNew = this.#heard(beacon.peerId, now);
    if (isNew) this.#answerSoon(now);
    if (!this.#perSource.take(rinfo.address, now)) return;
    try {
      this.#opts.onBeacon(rinfo.address, beacon);
    } catch (err) {
      this.#opts.log.error({ err }, 'discovery: a beacon listener threw');
    }
  }
}
