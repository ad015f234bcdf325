/**
 * Runs one Discovery inside a network namespace for discovery.test.ts. Argument: JSON options.
 * Prints JSON lines on stdout: ready (with status), candidate, gone, status, closed.
 * Reads lines on stdin: `status`, `close`, `garbage <broadcast address> <port>`.
 */
import dgram from 'node:dgram';
import { createInterface } from 'node:readline';
import { Discovery } from '../../../src/discovery/index.js';
import { isPeerId, isSoftwareVersion } from '../../../src/ids.js';
import { createLogger } from '../../../src/logger.js';

interface ChildArgs {
  peerId: string;
  listenPort: number;
  /** The release it announces. */
  software: string;
  mdns: boolean;
  beacon: boolean;
  /** Hold 5353 and the beacon port with exclusive sockets first, so our binds fail. */
  blockPorts?: boolean;
  /** How often discovery asks mDNS again; 2 s unless given. */
  requeryIntervalMs?: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
if (!isPeerId(args.peerId)) throw new Error('discovery-child: bad peerId');
const peerId = args.peerId;
if (!isSoftwareVersion(args.software)) throw new Error('discovery-child: bad software');
const software = args.software;
const t0 = performance.now();
const print = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ ...event, t: Math.round(performance.now() - t0) })}\n`);
};

const blockers: dgram.Socket[] = [];
if (args.blockPorts === true) {
  for (const port of [5353, 47625]) {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    await new Promise<void>((resolve) => socket.bind(port, '0.0.0.0', resolve));
    blockers.push(socket);
  }
}

const discovery = await Discovery.start({
  peerId,
  listenPort: args.listenPort,
  name: `child.${args.listenPort}`,
  protocolVersion: 1,
  software,
  mdns: args.mdns,
  beacon: args.beacon,
  requeryIntervalMs: args.requeryIntervalMs ?? 2000,
  log: createLogger(process.env.LANSPREAD_LOG === 'debug' ? 'debug' : 'warn'),
  onCandidate: (candidate) => {
    print({ event: 'candidate', ...candidate });
  },
  onGone: (id) => {
    print({ event: 'gone', id });
  },
});
print({ event: 'ready', status: discovery.status() });

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, ...rest] = line.trim().split(' ');
  if (cmd === 'status') print({ event: 'status', status: discovery.status() });
  if (cmd === 'garbage') {
    // A malformed and an oversized datagram to the beacon port, from a non-peer.
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, resolve));
    socket.setBroadcast(true);
    const [address, port] = [rest[0] ?? '', Number(rest[1])];
    for (const bytes of [Buffer.from('{"app":"lanspread","v":1'), Buffer.alloc(600, 0x7b)]) {
      await new Promise<void>((resolve) => {
        socket.send(bytes, port, address, () => {
          resolve();
        });
      });
    }
    socket.close();
    print({ event: 'garbage-sent' });
  }
  if (cmd === 'close') break;
}
await discovery.close();
for (const socket of blockers) socket.close();
print({ event: 'closed' });
