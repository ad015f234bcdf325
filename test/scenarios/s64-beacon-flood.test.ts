import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createLan, type LanHost } from '../support/netns.js';
import { listPeers } from './harness/assertions.js';
import { scenario } from './harness/lab.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SYN_WATCH = join(REPO, 'test/support/syn-watch.py');
const SPOOF_UDP = join(REPO, 'test/support/spoof-udp.py');
const BEACON_PORT = 47625;
const SPOOFED_BEACONS = 3000;
/** Where the forged mDNS answer says its service listens; nothing listens there. */
const FORGED_PORT = 40_999;
/** An off-subnet address the attacker host owns, so a dial to it is answered (refused) at once. */
const OFF_SUBNET_CONTROL = '192.0.2.1';
/**
 * Sockets the flood may add to the peer: 8 discovery dials in flight, the honest peer's control
 * connections (both sides may dial), and slack. The unbounded peer of issue 16 opened 254.
 */
const SOCKET_ALLOWANCE = 24;

function run(cmd: string, args: string[]): void {
  const done = spawnSync(cmd, args);
  assert.equal(done.status, 0, `${cmd} ${args.join(' ')}: ${String(done.stderr)}`);
}

/** Every TCP SYN the namespace sends, as `address:port`, collected from syn-watch.py. */
class SynWatch {
  readonly syns: string[] = [];
  readonly #proc: ChildProcess;
  readonly #waiters = new Set<() => void>();

  constructor(netns: string) {
    this.#proc = spawn('ip', ['netns', 'exec', netns, 'python3', '-u', SYN_WATCH], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (this.#proc.stdout === null) throw new Error('syn-watch has no stdout');
    createInterface({ input: this.#proc.stdout }).on('line', (line) => {
      this.syns.push(line);
      for (const wake of this.#waiters) wake();
    });
  }

  async until(line: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.syns.includes(line)) {
      assert.ok(Date.now() < deadline, `no ${line} within ${timeoutMs} ms: ${this.syns.join(' ')}`);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.#waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 200);
        this.#waiters.add(wake);
      });
    }
  }

  stop(): void {
    this.#proc.kill('SIGKILL');
  }
}

/** Sends, from `from`'s namespace, an mDNS answer naming a service at `addresses` (A records). */
function forgeMdns(from: LanHost, id: string, addresses: string[]): void {
  const script = `const packet = require('dns-packet');
    const spec = JSON.parse(process.argv[1]);
    const name = 'evil._lanspread._tcp.local';
    const host = 'evil-host.local';
    const answer = packet.encode({ type: 'response', flags: packet.AUTHORITATIVE_ANSWER, answers: [
      { type: 'PTR', name: '_lanspread._tcp.local', ttl: 120, data: name },
      { type: 'SRV', name, ttl: 120, data: { target: host, port: spec.port } },
      { type: 'TXT', name, ttl: 120, data: ['id=' + spec.id, 'v=1'] },
      ...spec.addresses.map((data) => ({ type: 'A', name: host, ttl: 120, data })),
    ] });
    const s = require('node:dgram').createSocket({ type: 'udp4', reuseAddr: true });
    s.bind(5353, () => {
      s.setMulticastInterface(spec.iface);
      s.send(answer, 5353, '224.0.0.251', () => s.close());
    });`;
  const spec = { id, port: FORGED_PORT, addresses, iface: from.address };
  const done = spawnSync(
    'ip',
    ['netns', 'exec', from.netns, process.execPath, '-e', script, JSON.stringify(spec)],
    { cwd: REPO },
  );
  assert.equal(done.status, 0, String(done.stderr));
}

/**
 * 3,000 distinct forged sources: every free address of the subnet, loopback, and the rest off
 * the subnet (documentation ranges and other private networks).
 */
function spoofedSources(prefix: string, taken: readonly string[]): string[] {
  const sources = new Set<string>(['127.0.0.1', '8.8.8.8', OFF_SUBNET_CONTROL]);
  for (let i = 1; i < 255; i++) {
    const address = `${prefix}${i}`;
    if (!taken.includes(address)) sources.add(address);
  }
  for (const net of ['192.0.2', '198.51.100', '203.0.113']) {
    for (let i = 2; i < 255; i++) sources.add(`${net}.${i}`);
  }
  for (let i = 0; sources.size < SPOOFED_BEACONS; i++) {
    sources.add(`172.16.${Math.floor(i / 254)}.${(i % 254) + 1}`);
  }
  return [...sources];
}

/** Sends one beacon per source, each naming a fresh id and port; resolves with the count sent. */
function flood(attacker: LanHost, target: string, sources: readonly string[]): Promise<number> {
  const proc = spawn(
    'ip',
    ['netns', 'exec', attacker.netns, 'python3', SPOOF_UDP, target, String(BEACON_PORT), '0.001'],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let out = '';
  proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  proc.stdin.end(
    sources
      .map((source, i) => {
        const beacon = { app: 'lanspread', v: 1, id: randomBytes(32).toString('hex') };
        return `${source} ${JSON.stringify({ ...beacon, port: 20_000 + i })}\n`;
      })
      .join(''),
  );
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => {
      if (code === 0) resolve(Number(out.trim()));
      else reject(new Error(`spoof-udp.py exited with ${code}`));
    });
  });
}

function openFiles(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

scenario('S64', 'a flood of spoofed beacons and forged mDNS answers', async (lab) => {
  const lan = createLan(3);
  let watch: SynWatch | undefined;
  try {
    const [home, honest, attacker] = lan.hosts as [LanHost, LanHost, LanHost];
    const prefix = home.address.replace(/\d+$/, '');
    // A default route (via the attacker) makes an off-subnet dial really leave as a SYN, so the
    // watch below could see one; without a route it would fail inside the kernel unseen.
    run('ip', ['-n', home.netns, 'route', 'add', 'default', 'via', attacker.address]);
    run('ip', ['-n', attacker.netns, 'addr', 'add', `${OFF_SUBNET_CONTROL}/32`, 'dev', 'lo']);
    // Reverse-path filtering would drop forged sources before the peer hears them.
    run('ip', ['netns', 'exec', home.netns, 'sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=0']);
    run('ip', ['netns', 'exec', home.netns, 'sysctl', '-qw', 'net.ipv4.conf.eth0.rp_filter=0']);
    watch = new SynWatch(home.netns);
    await watch.until('ready', 10_000);

    const peer = await lab.start('home', { netns: home.netns });
    const pid = peer.pid ?? assert.fail('no pid');
    const baseline = openFiles(pid);

    // A forged mDNS answer: its source is on the subnet and is dialled; its A records for
    // loopback and off-subnet addresses are not.
    const refusedHosts = ['127.0.0.1', '8.8.8.8', '198.51.100.7'];
    forgeMdns(attacker, randomBytes(32).toString('hex'), [...refusedHosts, `${prefix}77`]);
    await watch.until(`${attacker.address}:${FORGED_PORT}`, 10_000);

    let maxFiles = baseline;
    const sampler = setInterval(() => {
      maxFiles = Math.max(maxFiles, openFiles(pid));
    }, 50);
    const sources = spoofedSources(prefix, [home.address, honest.address, attacker.address]);
    const flooding = flood(attacker, home.address, sources);
    // The honest peer comes up while the flood runs, and must be found.
    const friend = await lab.start('honest', { netns: honest.netns });
    const sent = await flooding;
    const found = await peer.request('wait-peers', { count: 1, timeout_ms: 30_000 });
    assert.equal(found.ok, true, JSON.stringify(found.error));
    assert.deepEqual(
      (await listPeers(peer)).map((p) => p.peer_id),
      [friend.peerId],
    );
    // Dials of forged on-subnet addresses fail after ARP gives up (~3 s each); watch a while.
    await new Promise((r) => setTimeout(r, 12_000));
    clearInterval(sampler);
    maxFiles = Math.max(maxFiles, openFiles(pid));

    const status = await peer.cmd<{ discovery: { beacon: { received: number } } }>('status');
    const received = status.discovery.beacon.received;
    // More arrived than the subnet has addresses: the off-subnet forgeries reached the peer.
    assert.ok(received >= 1_500, `only ${received} of ${sent} forged beacons arrived`);
    const grew = maxFiles - baseline;
    const offSubnet = new Set(watch.syns.filter((s) => s !== 'ready' && !s.startsWith(prefix)));
    assert.equal(
      offSubnet.size,
      0,
      `SYNs left the subnet to ${offSubnet.size} addresses, e.g. ${[...offSubnet].slice(0, 5).join(' ')} (open files grew by ${grew})`,
    );
    assert.ok(grew <= SOCKET_ALLOWANCE, `open files grew from ${baseline} by ${grew}`);

    // The watch sees off-subnet SYNs when there are some: an explicit connect is the user's
    // choice and is not restricted.
    const control = await peer.request('connect', { addr: `${OFF_SUBNET_CONTROL}:9` });
    assert.equal(control.ok, false);
    await watch.until(`${OFF_SUBNET_CONTROL}:9`, 5_000);

    const log = readFileSync(join(lab.root, 'home.stderr.log'), 'utf8');
    const dials = log.split('\n').filter((l) => l.includes('dial of a hinted address')).length;
    const subnetSyns = new Set(watch.syns.filter((s) => s.startsWith(prefix))).size;
    return `${sent} forged beacons sent (${sources.filter((s) => s.startsWith(prefix)).length} on the subnet), ${received} received; open files ${baseline} → max ${maxFiles} (+${grew}, allowance ${SOCKET_ALLOWANCE}); ${dials} hinted dials failed; SYNs to ${subnetSyns} subnet addresses, none off it (mDNS A records ${refusedHosts.join(', ')} refused); honest peer found during the flood; explicit connect to ${OFF_SUBNET_CONTROL} did leave`;
  } finally {
    watch?.stop();
    lan.destroy();
  }
});
