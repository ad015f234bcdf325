/** A LAN of network namespaces on one bridge, made and removed by the test itself (root and `ip`). */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';

export interface LanHost {
  /** The namespace to run this host's processes in (`ip netns exec`). */
  readonly netns: string;
  /** Its IPv4 address on the LAN. */
  readonly address: string;
  /** Its port: the bridge's end of its veth, in the `bridge` namespace (its own end is `eth0`). */
  readonly port: string;
}

export interface Lan {
  readonly hosts: readonly LanHost[];
  readonly subnet: string;
  /** The namespace that holds the bridge `br0` and every host's port. */
  readonly bridge: string;
  /** Deletes every namespace (and so every link) of this LAN. */
  destroy(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Fails with what is missing when this machine cannot make namespaces; never skips. */
export function requireNetns(): void {
  assert.equal(
    process.getuid?.(),
    0,
    'network-namespace tests must run as root (CI does): they create namespaces, a bridge and veth pairs',
  );
  const probe = spawnSync('ip', ['netns', 'list']);
  assert.ok(
    probe.error === undefined && probe.status === 0,
    `network-namespace tests need \`ip netns\` from iproute2: ${String(probe.error ?? probe.stderr)}`,
  );
}

let lanCount = 0;
/** `lsw<pid>x<n>` (the bridge) and `lh<pid>x<n>-<i>` (its hosts): the pid tells a dead run's. */
const LAN_NAMESPACE = /^l(?:sw|h)(\d+)x\d+(?:-\d+)?$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes the namespaces of LANs whose process is gone: a run killed before its `destroy`
 * (SIGKILL, a timeout) leaves its namespaces behind, and nothing else would ever remove them.
 */
export function removeStaleLans(): string[] {
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  const stale = listed
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((ns) => {
      const pid = LAN_NAMESPACE.exec(ns)?.[1];
      return pid !== undefined && !alive(Number(pid));
    });
  for (const ns of stale) spawnSync('ip', ['netns', 'del', ns]);
  return stale;
}

/**
 * `hosts` namespaces, each with `lo` and an `eth0` on a bridge that lives in a namespace of its
 * own, so nothing touches the machine's real interfaces. `dropMulticast` makes the bridge drop
 * multicast between its ports (as some Wi-Fi access points do); broadcast still gets through.
 */
export function createLan(hosts: number, opts: { dropMulticast?: boolean } = {}): Lan {
  requireNetns();
  removeStaleLans();
  const tag = `${process.pid}x${lanCount++}`;
  const third = 100 + (lanCount % 100);
  const names = { bridge: `lsw${tag}`, hosts: [] as string[] };
  const made: string[] = [];
  const destroy = (): void => {
    for (const ns of made.reverse()) spawnSync('ip', ['netns', 'del', ns]);
    made.length = 0;
  };
  try {
    ip('netns', 'add', names.bridge);
    made.push(names.bridge);
    ip('-n', names.bridge, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', names.bridge, 'link', 'set', 'br0', 'up');
    const lanHosts: LanHost[] = [];
    for (let i = 0; i < hosts; i++) {
      const ns = `lh${tag}-${i}`;
      ip('netns', 'add', ns);
      made.push(ns);
      const port = `p${i}`;
      ip(
        '-n',
        names.bridge,
        'link',
        'add',
        port,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        ns,
      );
      ip('-n', names.bridge, 'link', 'set', port, 'master', 'br0', 'up');
      if (opts.dropMulticast === true) {
        ip(
          '-n',
          names.bridge,
          'link',
          'set',
          'dev',
          port,
          'type',
          'bridge_slave',
          'mcast_flood',
          'off',
        );
      }
      const address = `10.${third}.0.${i + 2}`;
      ip('-n', ns, 'addr', 'add', `${address}/24`, 'brd', '+', 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      lanHosts.push({ netns: ns, address, port });
    }
    return { hosts: lanHosts, subnet: `10.${third}.0.0/24`, bridge: names.bridge, destroy };
  } catch (err) {
    destroy();
    throw err;
  }
}
