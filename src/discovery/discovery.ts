/** Finds candidate addresses of other peers by mDNS/DNS-SD and a broadcast beacon. */
import { networkInterfaces } from 'node:os';
import type { PeerId, SoftwareVersion } from '../ids.js';
import type { Logger } from '../logger.js';
import { Beacon, DEFAULT_BEACON_INTERVAL_MS, DEFAULT_BEACON_PORT } from './beacon.js';
import { CandidateDedupe, type DiscoveryCandidate } from './candidate.js';
import { ErrorRecorder } from './error-recorder.js';
import { dialable, lanInterfaces, onePerInterface, type LanInterface } from './lan-interfaces.js';
import { MdnsInterface, type MdnsCounters } from './mdns-interface.js';
import {
  claimedPeerId,
  serviceCandidates,
  sourceAddress,
  type FoundService,
} from './mdns-records.js';

const DEFAULT_REQUERY_INTERVAL_MS = 10_000;
/** The same candidate (id, host, port) is passed on again after this long at the earliest. */
const REPEAT_CANDIDATE_MS = 30_000;
const NO_INTERFACE = 'interfaces';
const MDNS_SILENT = 'mdns';
/** Ticks with beacons but no mDNS answer before status says multicast may be blocked. */
const SILENT_TICKS = 2;
/**
 * mDNS asks again on each of the first ticks, then on every sixth: every query draws an answer
 * from every peer, which at 20 peers costs more CPU than an idle peer should spend, and peers
 * that start later announce themselves anyway.
 */
const EAGER_REQUERY_TICKS = 6;
const STEADY_REQUERY_EVERY = 6;

export interface DiscoveryOptions {
  peerId: PeerId;
  listenPort: number;
  /** The peer's name; the mDNS instance name is made of it and the start of the id. */
  name: string;
  protocolVersion: number;
  /** Our lanspread release, told in beacons and the mDNS TXT record. */
  software: SoftwareVersion;
  mdns: boolean;
  beacon: boolean;
  /** UDP port of the broadcast beacon (default 47625); every peer of a LAN must use the same. */
  beaconPort?: number;
  /** Steady interval between beacons (default 15 s; the first 30 s use at most 3 s). */
  beaconIntervalMs?: number;
  /** How often the interfaces are checked again and mDNS asks again (default 10 s; after the
   * first minute mDNS asks on every sixth tick only). */
  requeryIntervalMs?: number;
  log: Logger;
  /** An address worth dialling; a hint only, the TLS handshake proves the id. */
  onCandidate(candidate: DiscoveryCandidate): void;
  /** Called when mDNS says a service went away (goodbye); a hint only. */
  onGone?(claimedPeerId: PeerId): void;
}

/**
 * `status.discovery` of the JSONL contract, hence snake_case. mDNS counts response packets
 * (announcements, answers, goodbyes) sent, and received from other hosts; the beacon counts
 * datagrams sent, well-formed beacons of other peers received, and datagrams ignored as
 * oversized or malformed. `last_error` is the latest problem, e.g. a port in use, a send that
 * failed, no interface, or mDNS hearing nobody while beacons arrive.
 */
export interface DiscoveryStatus {
  mdns: {
    enabled: boolean;
    running: boolean;
    announcements_sent: number;
    answers_received: number;
    /** Services the mDNS browsers hold now, over all interfaces. */
    services_held: number;
  };
  beacon: {
    enabled: boolean;
    running: boolean;
    port: number;
    sent: number;
    received: number;
    ignored: number;
  };
  /** The IPv4 addresses of the interfaces that are up, loopback left out. */
  interfaces: { name: string; address: string }[];
  last_error: string | null;
}

/** The status of a peer started without discovery (`--no-mdns`). */
export const DISCOVERY_OFF: DiscoveryStatus = {
  mdns: {
    enabled: false,
    running: false,
    announcements_sent: 0,
    answers_received: 0,
    services_held: 0,
  },
  beacon: { enabled: false, running: false, port: 0, sent: 0, received: 0, ignored: 0 },
  interfaces: [],
  last_error: null,
};

export class Discovery {
  readonly #opts: DiscoveryOptions;
  readonly #log: Logger;
  readonly #errors: ErrorRecorder;
  readonly #dedupe = new CandidateDedupe(REPEAT_CANDIDATE_MS);
  readonly #mdnsCounters: MdnsCounters = { announcementsSent: 0, answersReceived: 0 };
  /** Interface name → its mDNS instance, or a pending start. */
  readonly #mdns = new Map<string, MdnsInterface | Promise<MdnsInterface | null>>();
  #interfaces: LanInterface[] = [];
  #beacon: Beacon | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ticks = 0;
  /** Candidates off our subnets, refused; logged once a tick rather than one by one (a flood). */
  #refused = 0;
  #refusedLogged = 0;
  #closed = false;

  private constructor(opts: DiscoveryOptions) {
    this.#opts = opts;
    this.#log = opts.log.child({ part: 'discovery' });
    this.#errors = new ErrorRecorder(this.#log);
  }

  /** Starts what `opts` enables. Socket problems do not fail it: they show in `status()`. */
  static async start(opts: DiscoveryOptions): Promise<Discovery> {
    const discovery = new Discovery(opts);
    await discovery.#start();
    return discovery;
  }

  status(): DiscoveryStatus {
    const beacon = this.#beacon;
    const mdns = [...this.#mdns.values()].filter((m) => m instanceof MdnsInterface);
    return {
      mdns: {
        enabled: this.#opts.mdns,
        running: mdns.length > 0,
        announcements_sent: this.#mdnsCounters.announcementsSent,
        answers_received: this.#mdnsCounters.answersReceived,
        services_held: mdns.reduce((n, m) => n + m.servicesHeld, 0),
      },
      beacon: {
        enabled: this.#opts.beacon,
        running: beacon?.running ?? false,
        port: this.#beaconPort,
        sent: beacon?.counts.sent ?? 0,
        received: beacon?.counts.received ?? 0,
        ignored: beacon?.counts.ignored ?? 0,
      },
      interfaces: this.#interfaces.map(({ name, address }) => ({ name, address })),
      last_error: this.#errors.lastError,
    };
  }

  /** Stops both; mDNS says goodbye on every interface first. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    const closing = [...this.#mdns.values()].map(async (entry) => (await entry)?.close());
    this.#mdns.clear();
    await Promise.all([...closing, this.#beacon?.close()]);
  }

  get #beaconPort(): number {
    return this.#opts.beaconPort ?? DEFAULT_BEACON_PORT;
  }

  async #start(): Promise<void> {
    const { mdns, beacon } = this.#opts;
    if (!mdns && !beacon) return;
    this.#refreshInterfaces();
    if (beacon) {
      this.#beacon = await Beacon.start({
        peerId: this.#opts.peerId,
        listenPort: this.#opts.listenPort,
        software: this.#opts.software,
        port: this.#beaconPort,
        intervalMs: this.#opts.beaconIntervalMs ?? DEFAULT_BEACON_INTERVAL_MS,
        log: this.#log,
        errors: this.#errors,
        interfaces: () => this.#interfaces,
        onBeacon: (host, beacon) => {
          const { port, peerId: claimedPeerId, software } = beacon;
          this.#offer({ host, port, claimedPeerId, via: 'beacon', software }, host);
        },
      });
    }
    if (mdns) await this.#syncMdns();
    const every = this.#opts.requeryIntervalMs ?? DEFAULT_REQUERY_INTERVAL_MS;
    this.#timer = setInterval(() => {
      this.#tick();
    }, every);
  }

  /** Laptops change networks: follow the interfaces, then ask mDNS again. */
  #tick(): void {
    this.#ticks++;
    this.#refreshInterfaces();
    if (this.#refused > this.#refusedLogged) {
      this.#log.debug(
        { refused: this.#refused - this.#refusedLogged },
        'discovery: candidates off the local subnets were not dialled',
      );
      this.#refusedLogged = this.#refused;
    }
    if (!this.#opts.mdns) return;
    this.#checkMulticast();
    const requery = this.#ticks <= EAGER_REQUERY_TICKS || this.#ticks % STEADY_REQUERY_EVERY === 0;
    if (requery) {
      for (const entry of this.#mdns.values()) if (entry instanceof MdnsInterface) entry.requery();
    }
    this.#syncMdns().catch((err: unknown) => {
      this.#errors.record('mdns', err);
    });
  }

  /**
   * Networks that drop multicast (often between Wi-Fi and Ethernet) fail silently: nothing
   * errors, mDNS just hears nobody. When beacons get through but mDNS answers do not, say so.
   */
  #checkMulticast(): void {
    const beacons = this.#beacon?.counts.received ?? 0;
    if (this.#mdnsCounters.answersReceived > 0) {
      this.#errors.resolve(MDNS_SILENT);
    } else if (beacons > 0 && this.#ticks >= SILENT_TICKS) {
      this.#errors.record(
        MDNS_SILENT,
        `no mDNS answer from another host, but ${beacons} beacons arrived: ` +
          'the network may drop multicast (or the other peers run without mDNS)',
      );
    }
  }

  #refreshInterfaces(): void {
    this.#interfaces = lanInterfaces(networkInterfaces());
    if (this.#interfaces.length === 0) {
      this.#errors.record(NO_INTERFACE, 'no IPv4 network interface is up (besides loopback)');
    } else {
      this.#errors.resolve(NO_INTERFACE);
    }
  }

  /** One mDNS instance per interface: start the missing, close those of vanished interfaces. */
  async #syncMdns(): Promise<void> {
    const wanted = new Map(onePerInterface(this.#interfaces).map((i) => [i.name, i]));
    const work: Promise<unknown>[] = [];
    for (const [name, entry] of this.#mdns) {
      if (entry instanceof MdnsInterface && wanted.get(name)?.address !== entry.iface.address) {
        this.#mdns.delete(name);
        work.push(entry.close());
      }
    }
    for (const [name, iface] of wanted) {
      if (this.#mdns.has(name)) continue;
      const starting = this.#startMdns(iface);
      this.#mdns.set(name, starting);
      work.push(
        starting.then((instance) => {
          if (this.#mdns.get(name) !== starting) return instance?.close();
          // A failed start is tried again at the next tick.
          if (instance === null) this.#mdns.delete(name);
          else this.#mdns.set(name, instance);
          return undefined;
        }),
      );
    }
    await Promise.all(work);
  }

  #startMdns(iface: LanInterface): Promise<MdnsInterface | null> {
    return MdnsInterface.start({
      iface,
      peerId: this.#opts.peerId,
      listenPort: this.#opts.listenPort,
      name: this.#opts.name,
      protocolVersion: this.#opts.protocolVersion,
      software: this.#opts.software,
      log: this.#log,
      errors: this.#errors,
      counters: this.#mdnsCounters,
      interfaces: () => this.#interfaces,
      onService: (service) => {
        const source = sourceAddress(service);
        for (const candidate of serviceCandidates(service, this.#opts.peerId)) {
          this.#offer(candidate, source);
        }
      },
      onGoodbye: (service) => {
        this.#gone(service);
      },
    });
  }

  /** Passes on a candidate heard from `source`, if it is on one of our subnets and not a repeat. */
  #offer(candidate: DiscoveryCandidate, source: string | undefined): void {
    if (this.#closed) return;
    if (!dialable(candidate.host, source, this.#interfaces)) {
      this.#refused++;
      return;
    }
    if (!this.#dedupe.admit(candidate, Date.now())) return;
    this.#log.debug({ ...candidate }, 'discovery: candidate');
    try {
      this.#opts.onCandidate(candidate);
    } catch (err) {
      this.#log.error({ err }, 'discovery: onCandidate threw');
    }
  }

  #gone(service: FoundService): void {
    const id = claimedPeerId(service);
    if (this.#closed || id === null || id === this.#opts.peerId) return;
    this.#dedupe.forget(id);
    try {
      this.#opts.onGone?.(id);
    } catch (err) {
      this.#log.error({ err }, 'discovery: onGone threw');
    }
  }
}
