/**
 * A LAN whose every host port is shaped like a switch port, so that links, not the CPU, limit a
 * transfer: the namespaces and bridge of `createLan`, and on each host's veth a rate limit in
 * both directions — on the host's `eth0` (what it sends: its upload) and on the bridge's end
 * (what the switch sends it: its download).
 *
 * Each direction is HTB (one class, rate = ceil) over a byte-limited FIFO (`bfifo`):
 * - HTB shapes by bytes, and charges a GSO super-packet for every segment's headers (the
 *   kernel's `qdisc_pkt_len`), so the rate is that of Ethernet frames (headers in, preamble and
 *   FCS out): TCP's payload tops out at 1448/1514 = 95.6 % of it. Its bucket (`BURST_MS` of the
 *   rate) lets it send on time although its timer fires late on a busy VM: with HTB's default
 *   of one frame a 200 Mbit/s port carried 88 % of that ceiling, with 16 KiB or more 98 %. The
 *   bucket shifts when bytes leave, not how many leave per second.
 * - A tail-drop FIFO sized in bytes is what a switch port has: a buffer, no AQM, no flow
 *   fairness (which would hide an unfair uplink scheduler in lanspread). `QUEUE_MS` of the
 *   port's rate lets one TCP flow fill the link without a drop (with 5 ms a 200 Mbit/s port
 *   dropped hundreds of frames per 128 MiB and lost a few % of its rate; with 50 KiB, 99 %),
 *   and keeps a control message from waiting behind more than that much data.
 * - No propagation delay: netem is the tool for it, and the kernels this runs on may lack it
 *   (this project's CI VM has no `sch_netem`: only htb, tbf and the fifos). A host-to-host
 *   round trip is the veths' (tens of µs) plus what the queues hold.
 */
import { execFileSync } from 'node:child_process';
import { createLan, type Lan, type LanHost } from './netns.js';

/** One host's port, in Mbit/s (10^6 bits) of Ethernet frames each way. */
export interface PortShape {
  readonly upMbit: number;
  readonly downMbit: number;
}
/** A number is the same rate both ways. */
export type PortSpec = number | PortShape;

export interface ShapedHost extends LanHost {
  readonly shape: PortShape;
}

/** What one shaper (one direction of a port) passed on and dropped, from `tc -s`. */
export interface ShaperStats {
  readonly sentBytes: number;
  readonly sentPackets: number;
  readonly drops: number;
}

export interface ShapedLan extends Lan {
  readonly hosts: readonly ShapedHost[];
  /** Queue limit of a port's FIFO, per direction, in bytes. */
  queueBytes(mbit: number): number;
  /**
   * Bytes host `i`'s `eth0` has sent and received as the kernel counts them: a GSO super-packet
   * once with one set of headers, so a bulk TCP transfer counts its payload and about 0.1 %
   * more. `shaperStats` counts every frame's headers (payload × 1514/1448 for full frames).
   */
  linkBytes(i: number): { sent: number; received: number };
  /** Host `i`'s two shapers: `up` on its `eth0`, `down` on its port of the bridge. */
  shaperStats(i: number): { up: ShaperStats; down: ShaperStats };
}

/** Milliseconds of the port's rate its FIFO holds. */
const QUEUE_MS = 20;
/** The FIFO holds at least this much, or a slow port drops nearly every burst of a TCP sender. */
const MIN_QUEUE_BYTES = 128 * 1024;
/** HTB's bucket: this much of the rate, at least `MIN_BURST_BYTES` (see the top of the file). */
const BURST_MS = 1;
const MIN_BURST_BYTES = 16 * 1024;

function bytesPerMs(mbit: number): number {
  return (mbit * 1e6) / 8 / 1000;
}

function shapeOf(spec: PortSpec): PortShape {
  const shape = typeof spec === 'number' ? { upMbit: spec, downMbit: spec } : spec;
  for (const mbit of [shape.upMbit, shape.downMbit]) {
    if (!(Number.isFinite(mbit) && mbit > 0)) throw new Error(`bad port rate ${mbit} Mbit/s`);
  }
  return shape;
}

function queueBytes(mbit: number): number {
  return Math.max(MIN_QUEUE_BYTES, Math.round(bytesPerMs(mbit) * QUEUE_MS));
}

function tc(netns: string, ...args: string[]): string {
  return execFileSync('tc', ['-n', netns, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Limits what `dev` in `netns` sends to `mbit`, queueing up to `queueBytes(mbit)` behind it. */
function shape(netns: string, dev: string, mbit: number): void {
  const rate = `${mbit}mbit`;
  const burst = Math.max(MIN_BURST_BYTES, Math.round(bytesPerMs(mbit) * BURST_MS));
  tc(netns, 'qdisc', 'replace', 'dev', dev, 'root', 'handle', '1:', 'htb', 'default', '1');
  // One class, so its quantum does not matter; HTB warns when the default (rate / 10) is big.
  tc(
    netns,
    'class',
    'add',
    'dev',
    dev,
    'parent',
    '1:',
    'classid',
    '1:1',
    'htb',
    'rate',
    rate,
    'ceil',
    rate,
    'quantum',
    '65536',
    'burst',
    String(burst),
    'cburst',
    String(burst),
  );
  tc(
    netns,
    'qdisc',
    'add',
    'dev',
    dev,
    'parent',
    '1:1',
    'handle',
    '10:',
    'bfifo',
    'limit',
    String(queueBytes(mbit)),
  );
}

interface TcQdisc {
  kind: string;
  bytes: number;
  packets: number;
  drops: number;
}

/** The counters of the HTB at the root of `dev`: everything the port sent, and dropped. */
function htbStats(netns: string, dev: string): ShaperStats {
  const qdiscs = JSON.parse(tc(netns, '-s', '-j', 'qdisc', 'show', 'dev', dev)) as TcQdisc[];
  const htb = qdiscs.find((q) => q.kind === 'htb');
  const fifo = qdiscs.find((q) => q.kind === 'bfifo');
  if (htb === undefined || fifo === undefined) {
    throw new Error(`${netns} ${dev} is not shaped: ${qdiscs.map((q) => q.kind).join(', ')}`);
  }
  return { sentBytes: htb.bytes, sentPackets: htb.packets, drops: htb.drops + fifo.drops };
}

/**
 * One host per entry of `ports`, each port shaped as it says (Mbit/s each way, or up and down).
 * The caller must `destroy()` it; a run that dies first leaves namespaces that the next
 * `createLan` of any run removes (their names carry the dead pid).
 */
export function createShapedLan(ports: readonly PortSpec[]): ShapedLan {
  const shapes = ports.map(shapeOf);
  const lan = createLan(shapes.length);
  try {
    const hosts = lan.hosts.map((host, i) => {
      const s = shapes[i]!;
      shape(host.netns, 'eth0', s.upMbit);
      shape(lan.bridge, host.port, s.downMbit);
      return { ...host, shape: s };
    });
    const host = (i: number): ShapedHost => {
      const h = hosts[i];
      if (h === undefined) throw new Error(`no host ${i} on this LAN of ${hosts.length}`);
      return h;
    };
    return {
      ...lan,
      hosts,
      queueBytes,
      linkBytes(i) {
        const out = execFileSync('ip', ['-n', host(i).netns, '-s', '-j', 'link', 'show', 'eth0'], {
          encoding: 'utf8',
        });
        const [link] = JSON.parse(out) as {
          stats64: { rx: { bytes: number }; tx: { bytes: number } };
        }[];
        if (link === undefined) throw new Error(`${host(i).netns} has no eth0`);
        return { sent: link.stats64.tx.bytes, received: link.stats64.rx.bytes };
      },
      shaperStats(i) {
        return { up: htbStats(host(i).netns, 'eth0'), down: htbStats(lan.bridge, host(i).port) };
      },
    };
  } catch (err) {
    lan.destroy();
    throw err;
  }
}
