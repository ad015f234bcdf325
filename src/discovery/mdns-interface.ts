/**
 * One mDNS responder and browser (bonjour-service) on one network interface. The only file
 * that imports bonjour-service.
 */
import dgram from 'node:dgram';
import Bonjour from 'bonjour-service';
import type { PeerId, SoftwareVersion } from '../ids.js';
import type { Logger } from '../logger.js';
import type { ErrorRecorder } from './error-recorder.js';
import { interfacesFor, type LanInterface } from './lan-interfaces.js';
import {
  hostName,
  instanceName,
  serviceTxt,
  SERVICE_TYPE,
  type FoundService,
} from './mdns-records.js';

const MDNS_PORT = 5353;
/** close() waits this long at most for the goodbye to leave. */
const GOODBYE_WAIT_MS = 500;
/**
 * Services one browser may hold. bonjour-service keeps every service it hears until its browser
 * is replaced, and looks each answer up in that list: forged answers under ever new names would
 * grow the list, and the time each answer takes, without end. A full browser is let go (what it
 * heard was handed on already) and a new one asks again after a pause; a party has far fewer.
 */
export const MAX_BROWSED_SERVICES = 512;
/** A browser let go for being full is replaced after this long: each new one sends a query. */
const FULL_BROWSER_PAUSE_MS = 1000;

export interface MdnsCounters {
  announcementsSent: number;
  answersReceived: number;
}

export interface MdnsInterfaceOptions {
  iface: LanInterface;
  peerId: PeerId;
  listenPort: number;
  name: string;
  protocolVersion: number;
  software: SoftwareVersion;
  log: Logger;
  errors: ErrorRecorder;
  /** Shared by every interface, so the totals survive an interface that goes away. */
  counters: MdnsCounters;
  /** All current interfaces: a packet is handled by the instance of the subnet it came from. */
  interfaces(): readonly LanInterface[];
  onService(service: FoundService): void;
  onGoodbye(service: FoundService): void;
}

type AnyEmit = (event: string | symbol, ...args: unknown[]) => boolean;
type AnySend = (...args: unknown[]) => void;

export class MdnsInterface {
  readonly iface: LanInterface;
  readonly #opts: MdnsInterfaceOptions;
  readonly #bonjour: Bonjour;
  #browser: Bonjour.Browser | undefined;
  /** Set while a browser let go for being full waits to be replaced. */
  #refill: NodeJS.Timeout | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(opts: MdnsInterfaceOptions, bonjour: Bonjour) {
    this.iface = opts.iface;
    this.#opts = opts;
    this.#bonjour = bonjour;
  }

  /**
   * Binds 0.0.0.0:5353 (shared) with multicast membership and the sending interface set to this
   * interface, publishes our service and browses. Null when the port cannot be bound (recorded).
   */
  static async start(opts: MdnsInterfaceOptions): Promise<MdnsInterface | null> {
    const context = `mdns ${opts.iface.name}`;
    let onBindError: ((err: unknown) => void) | undefined;
    const socket = observedSocket(opts, context, (err) => {
      if (onBindError) onBindError(err);
      else opts.errors.record(context, err);
    });
    // multicast-dns options, passed through by bonjour-service (whose types name only its own).
    // `interface` sets the membership and IP_MULTICAST_IF, so answers leave on this interface
    // and need no multicast route; `bind: false` because we bind the socket ourselves, on
    // 0.0.0.0 — a socket bound to a unicast address receives no multicast on Linux.
    const mdnsOptions = { socket, interface: opts.iface.address, bind: false, port: MDNS_PORT };
    const bonjour = new Bonjour(mdnsOptions, (err: unknown) => {
      opts.errors.record(context, err);
    });
    const bound = await new Promise<boolean>((resolve) => {
      onBindError = (err) => {
        opts.errors.record(context, err);
        resolve(false);
      };
      socket.bind({ port: MDNS_PORT, address: '0.0.0.0' }, () => {
        resolve(true);
      });
    });
    onBindError = undefined;
    const instance = new MdnsInterface(opts, bonjour);
    if (!bound) {
      await instance.#destroy();
      return null;
    }
    // Probing (RFC 6762) is off: it costs ~750 ms, and on a conflict bonjour-service withdraws
    // the service and console.logs to stdout, our JSONL channel. The id in the name keeps it
    // unique.
    try {
      bonjour.publish({
        name: instanceName(opts.name, opts.peerId),
        type: SERVICE_TYPE,
        protocol: 'tcp',
        port: opts.listenPort,
        host: hostName(opts.peerId),
        txt: serviceTxt(opts.peerId, opts.protocolVersion, opts.software),
        probe: false,
        disableIPv6: true,
      });
    } catch (err) {
      // bonjour-service throws on a config it refuses (e.g. port 0).
      opts.errors.record(context, err);
      await instance.#destroy();
      return null;
    }
    instance.requery();
    return instance;
  }

  /**
   * Asks again who offers the service. A fresh browser each time: bonjour-service reports a
   * known service only once and never notices a changed address.
   */
  requery(): void {
    if (this.#closed) return;
    clearTimeout(this.#refill);
    this.#refill = undefined;
    this.#browser?.stop();
    const browser = this.#bonjour.find({ type: SERVICE_TYPE, protocol: 'tcp' });
    const found = (service: Bonjour.Service): void => {
      this.#opts.onService(service);
      if (browser.services.length >= MAX_BROWSED_SERVICES) this.#letGo(browser);
    };
    browser.on('up', found);
    browser.on('srv-update', found);
    browser.on('txt-update', found);
    browser.on('down', (service) => {
      this.#opts.onGoodbye(service);
    });
    this.#browser = browser;
  }

  /** Services the browser holds now (at most MAX_BROWSED_SERVICES). */
  get servicesHeld(): number {
    return this.#browser?.services.length ?? 0;
  }

  /** Stops a full browser, which hears nothing more, and asks again with a new one later. */
  #letGo(browser: Bonjour.Browser): void {
    if (browser !== this.#browser) return;
    browser.stop();
    this.#browser = undefined;
    this.#opts.log.warn(
      { iface: this.iface.name, services: browser.services.length },
      'discovery: mDNS names more services than a LAN party has; listening again shortly',
    );
    this.#refill = setTimeout(() => {
      this.requery();
    }, FULL_BROWSER_PAUSE_MS);
    this.#refill.unref();
  }

  /** Says goodbye (records with TTL 0) and closes the socket. */
  close(): Promise<void> {
    this.#closing ??= this.#sayGoodbye().then(() => this.#destroy());
    return this.#closing;
  }

  async #sayGoodbye(): Promise<void> {
    if (this.#closed) return;
    this.#browser?.stop();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, GOODBYE_WAIT_MS);
      this.#bonjour.unpublishAll(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async #destroy(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#refill);
    this.#browser?.stop();
    await new Promise<void>((resolve) => {
      try {
        this.#bonjour.destroy(() => {
          resolve();
        });
      } catch (err) {
        // The socket may already be closed after a failed bind.
        this.#opts.log.debug({ err }, 'discovery: mdns socket was already closed');
        resolve();
      }
    });
  }
}

/**
 * Our own socket for multicast-dns, watched at its two doors: errors are recorded here instead
 * of reaching multicast-dns (which re-emits them unhandled and would crash the process), each
 * packet is counted and handed only to the instance of the subnet it came from (Linux delivers
 * every joined group's packets to every socket on the port), and a listener that throws on a
 * hostile packet cannot take the process down.
 */
function observedSocket(
  opts: MdnsInterfaceOptions,
  context: string,
  onError: (err: unknown) => void,
): dgram.Socket {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  const emit = socket.emit.bind(socket) as AnyEmit;
  const watchedEmit: AnyEmit = (event, ...args) => {
    if (event === 'error') {
      onError(args[0]);
      return true;
    }
    if (event !== 'message') return emit(event, ...args);
    const [message, rinfo] = args as [Buffer, dgram.RemoteInfo];
    const all = opts.interfaces();
    if (!interfacesFor(rinfo.address, all).some((i) => i.name === opts.iface.name)) return true;
    const own = all.some((i) => i.address === rinfo.address);
    if (!own && isResponse(message)) opts.counters.answersReceived++;
    try {
      return emit(event, ...args);
    } catch (err) {
      opts.errors.record(`${context} packet from ${rinfo.address}`, err);
      return true;
    }
  };
  socket.emit = watchedEmit as typeof socket.emit;

  const send = socket.send.bind(socket) as AnySend;
  const watchedSend: AnySend = (...args) => {
    const message = args[0];
    const callback = args.at(-1);
    const done = (err: Error | null, bytes?: number): void => {
      if (err) opts.errors.record(context, err);
      else if (Buffer.isBuffer(message) && isResponse(message)) opts.counters.announcementsSent++;
      if (typeof callback === 'function')
        (callback as (e: Error | null, n?: number) => void)(err, bytes);
    };
    if (typeof callback === 'function') args[args.length - 1] = done;
    else args.push(done);
    try {
      send(...args);
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)));
    }
  };
  socket.send = watchedSend as typeof socket.send;
  return socket;
}

/** The QR bit of the DNS header: set in responses (answers, announcements, goodbyes). */
function isResponse(message: Buffer): boolean {
  return message.length >= 12 && ((message[2] ?? 0) & 0x80) !== 0;
}
