/**
 * Discovery between real processes in network namespaces this test creates: a "switch"
 * namespace holds the bridges, each host namespace a veth into one. Nothing is sent on the
 * host's own interfaces. Needs root and `ip` (iproute2); without them the tests fail.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { after, before, test, type TestContext } from 'node:test';

const CHILD = fileURLToPath(new URL('./discovery-child.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const RUN = `lsd${process.pid}`;
const FOUND_WITHIN_MS = 5000;

interface ChildLine {
  event: string;
  /** When the test read the line (performance.now()). */
  at: number;
  [key: string]: unknown;
}

interface Status {
  mdns: {
    enabled: boolean;
    running: boolean;
    announcements_sent: number;
    answers_received: number;
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
  interfaces: { name: string; address: string }[];
  last_error: string | null;
}

const namespaces: string[] = [];
const children = new Set<ChildProcessWithoutNullStreams>();

function ip(...args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`ip ${args.join(' ')} failed: ${stderr ?? String(err)}`);
  }
}

function addNamespace(name: string): string {
  ip('netns', 'add', name);
  namespaces.push(name);
  ip('-n', name, 'link', 'set', 'lo', 'up');
  return name;
}

/** A switch namespace with one bridge per subnet, e.g. `{ br0: '10.77.0', br1: '10.78.0' }`. */
class Lab {
  readonly #prefix: string;
  readonly switchNs: string;
  #ports = 0;

  constructor(label: string, bridges: string[]) {
    this.#prefix = `${RUN}-${label}`;
    this.switchNs = addNamespace(`${this.#prefix}-sw`);
    for (const bridge of bridges) {
      ip('-n', this.switchNs, 'link', 'add', bridge, 'type', 'bridge');
      ip('-n', this.switchNs, 'link', 'set', bridge, 'up');
    }
  }

  /** A host namespace with one veth (`eth0`, `eth1`, …) into each given bridge. */
  host(name: string, links: { bridge: string; cidr: string }[]): string {
    const ns = addNamespace(`${this.#prefix}-${name}`);
    links.forEach(({ bridge, cidr }, i) => {
      const port = `p${this.#ports++}`;
      // Both ends are created right in their namespaces: nothing appears in ours.
      ip(
        'link',
        'add',
        port,
        'netns',
        this.switchNs,
        'type',
        'veth',
        'peer',
        'name',
        `eth${i}`,
        'netns',
        ns,
      );
      ip('-n', this.switchNs, 'link', 'set', port, 'master', bridge, 'up');
      ip('-n', ns, 'addr', 'add', cidr, 'dev', `eth${i}`);
      ip('-n', ns, 'link', 'set', `eth${i}`, 'up');
    });
    return ns;
  }

  /** Makes the switch drop multicast between its ports (as some Wi-Fi access points do). */
  dropMulticast(): void {
    const out = execFileSync('ip', ['-n', this.switchNs, '-o', 'link', 'show', 'type', 'veth'])
      .toString()
      .split('\n');
    for (const line of out) {
      const port = /^\d+: ([^@:]+)/.exec(line)?.[1];
      if (port !== undefined) {
        ip(
          '-n',
          this.switchNs,
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
    }
  }
}

/** One discovery-child.ts process in a namespace, its JSON lines collected. */
class Child {
  readonly lines: ChildLine[] = [];
  readonly peerId = randomBytes(32).toString('hex');
  /** A release of its own, so a candidate shows whose announcement it came from. */
  readonly software: string;
  readonly #proc: ChildProcessWithoutNullStreams;
  readonly #waiters = new Set<() => void>();
  #stderr = '';
  #exited = false;

  constructor(
    readonly ns: string,
    readonly listenPort: number,
    opts: { mdns: boolean; beacon: boolean; blockPorts?: boolean; requeryIntervalMs?: number },
  ) {
    this.software = `0.0.${listenPort}`;
    const args = JSON.stringify({
      peerId: this.peerId,
      listenPort,
      software: this.software,
      ...opts,
    });
    this.#proc = spawn(
      'ip',
      ['netns', 'exec', ns, process.execPath, '--import', 'tsx', CHILD, args],
      { cwd: REPO },
    );
    children.add(this.#proc);
    createInterface({ input: this.#proc.stdout }).on('line', (text) => {
      const line = { ...(JSON.parse(text) as Record<string, unknown>), at: performance.now() };
      this.lines.push(line as ChildLine);
      for (const wake of this.#waiters) wake();
    });
    this.#proc.stderr.on('data', (chunk: Buffer) => {
      this.#stderr += chunk.toString();
    });
    this.#proc.on('exit', () => {
      this.#exited = true;
      children.delete(this.#proc);
      for (const wake of this.#waiters) wake();
    });
  }

  async waitFor(match: (line: ChildLine) => boolean, timeoutMs: number, what: string) {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(match);
      if (found !== undefined) return found;
      if (this.#exited || performance.now() > deadline) {
        throw new Error(
          `${this.ns}: no ${what} within ${timeoutMs} ms (exited: ${this.#exited})\n` +
            `stdout: ${JSON.stringify(this.lines)}\nstderr: ${this.#stderr}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - performance.now()) + 1);
        this.#waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.#waiters.clear();
    }
  }

  ready(): Promise<ChildLine> {
    // Starting node with tsx inside a namespace takes a few seconds on a busy machine.
    return this.waitFor((l) => l.event === 'ready', 15_000, 'ready line');
  }

  /** The first candidate naming `other`'s id and release at `host`. */
  sees(other: Child, host: string, via: string): Promise<ChildLine> {
    return this.waitFor(
      (l) =>
        l.event === 'candidate' &&
        l.claimedPeerId === other.peerId &&
        l.software === other.software &&
        l.host === host &&
        l.port === other.listenPort &&
        l.via === via,
      FOUND_WITHIN_MS + 5000,
      `candidate for ${other.ns} at ${host} via ${via}`,
    );
  }

  candidatesFor(other: Child): ChildLine[] {
    return this.lines.filter((l) => l.event === 'candidate' && l.claimedPeerId === other.peerId);
  }

  async status(): Promise<Status> {
    const before = this.lines.length;
    this.send('status');
    const line = await this.waitFor(
      (l) => l.event === 'status' && this.lines.indexOf(l) >= before,
      5000,
      'status line',
    );
    return line.status as Status;
  }

  send(line: string): void {
    this.#proc.stdin.write(`${line}\n`);
  }

  async close(): Promise<void> {
    if (this.#exited) return;
    this.send('close');
    await this.waitFor((l) => l.event === 'closed', 5000, 'closed line');
  }
}

/** Asserts that `a` sees `b` at `host` within 5 s of both being ready; returns the delay. */
async function assertSees(a: Child, b: Child, host: string, via: string): Promise<number> {
  const [readyA, readyB, seen] = await Promise.all([a.ready(), b.ready(), a.sees(b, host, via)]);
  const delay = Math.round(seen.at - Math.max(readyA.at, readyB.at));
  assert.ok(delay <= FOUND_WITHIN_MS, `${a.ns} saw ${b.ns} only after ${delay} ms`);
  return Math.max(0, delay);
}

async function closeAll(kids: Child[]): Promise<void> {
  await Promise.all(kids.map((k) => k.close()));
}

function report(t: TestContext, label: string, delays: number[]): void {
  t.diagnostic(`${label}: found after ${delays.join(', ')} ms (max ${Math.max(...delays)} ms)`);
}

before(() => {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (to create network namespaces)');
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    missing.push('the `ip` command (iproute2)');
  }
  if (missing.length > 0) {
    throw new Error(`discovery integration tests need ${missing.join(' and ')}`);
  }
});

after(() => {
  for (const proc of children) proc.kill('SIGKILL');
  // Deleting a namespace removes its veths and bridges with it.
  for (const ns of namespaces.reverse()) {
    try {
      ip('netns', 'del', ns);
    } catch (err) {
      console.error(String(err));
    }
  }
});

test('three peers on one bridge find each other by mDNS alone, with no multicast route', async (t) => {
  const lab = new Lab('mdns', ['br0']);
  const kids = [1, 2, 3].map(
    (n) =>
      new Child(lab.host(`h${n}`, [{ bridge: 'br0', cidr: `10.77.0.${n}/24` }]), 40000 + n, {
        mdns: true,
        beacon: false,
      }),
  );
  try {
    const delays: number[] = [];
    for (const [i, a] of kids.entries()) {
      for (const [j, b] of kids.entries()) {
        if (i !== j) delays.push(await assertSees(a, b, `10.77.0.${j + 1}`, 'mdns'));
      }
    }
    report(t, 'mDNS', delays);
    for (const [i, kid] of kids.entries()) {
      assert.equal(kid.candidatesFor(kid).length, 0, 'a peer is not its own candidate');
      const status = await kid.status();
      assert.deepEqual(status.interfaces, [{ name: 'eth0', address: `10.77.0.${i + 1}` }]);
      assert.equal(status.mdns.running, true);
      assert.ok(status.mdns.announcements_sent > 0, JSON.stringify(status));
      assert.ok(status.mdns.answers_received > 0, JSON.stringify(status));
      assert.deepEqual(
        { enabled: status.beacon.enabled, running: status.beacon.running },
        { enabled: false, running: false },
      );
      assert.equal(status.last_error, null);
    }

    // A graceful close sends a goodbye, which the others hear at once.
    const [k1, k2, k3] = kids as [Child, Child, Child];
    const closedAt = performance.now();
    await k3.close();
    const gone = await Promise.all(
      [k1, k2].map((k) =>
        k.waitFor((l) => l.event === 'gone' && l.id === k3.peerId, 2000, 'goodbye'),
      ),
    );
    t.diagnostic(
      `goodbye heard after ${gone.map((l) => Math.round(l.at - closedAt)).join(', ')} ms`,
    );
  } finally {
    await closeAll(kids);
  }
});

test('mDNS answers leave on every interface of a peer with two networks', async (t) => {
  const lab = new Lab('multi', ['br0', 'br1']);
  const both = new Child(
    lab.host('h1', [
      { bridge: 'br0', cidr: '10.77.0.1/24' },
      { bridge: 'br1', cidr: '10.78.0.1/24' },
    ]),
    40001,
    { mdns: true, beacon: false },
  );
  const left = new Child(lab.host('h2', [{ bridge: 'br0', cidr: '10.77.0.2/24' }]), 40002, {
    mdns: true,
    beacon: false,
  });
  const right = new Child(lab.host('h3', [{ bridge: 'br1', cidr: '10.78.0.3/24' }]), 40003, {
    mdns: true,
    beacon: false,
  });
  const kids = [both, left, right];
  try {
    const delays = [
      await assertSees(left, both, '10.77.0.1', 'mdns'),
      await assertSees(right, both, '10.78.0.1', 'mdns'),
      await assertSees(both, left, '10.77.0.2', 'mdns'),
      await assertSees(both, right, '10.78.0.3', 'mdns'),
    ];
    report(t, 'mDNS on two interfaces', delays);
    const status = await both.status();
    assert.deepEqual(status.interfaces, [
      { name: 'eth0', address: '10.77.0.1' },
      { name: 'eth1', address: '10.78.0.1' },
    ]);
    assert.equal(status.last_error, null);
    // The two outer hosts share no link: neither hears the other.
    assert.equal(left.candidatesFor(right).length, 0);
    assert.equal(right.candidatesFor(left).length, 0);
  } finally {
    await closeAll(kids);
  }
});

/**
 * Sends, from namespace `ns` (address `from`), `packets` mDNS answers each naming `perPacket`
 * services never heard before (PTR and SRV; no TXT id, so none becomes a candidate).
 */
function forgeServices(ns: string, from: string, packets: number, perPacket: number): void {
  const script = `const packet = require('dns-packet');
    const [from, packets, perPacket] = JSON.parse(process.argv[1]);
    const s = require('node:dgram').createSocket({ type: 'udp4', reuseAddr: true });
    s.bind(5353, async () => {
      s.setMulticastInterface(from);
      for (let p = 0; p < packets; p++) {
        const answers = [];
        for (let i = 0; i < perPacket; i++) {
          const name = 'forged-' + p + '-' + i + '._lanspread._tcp.local';
          answers.push({ type: 'PTR', name: '_lanspread._tcp.local', ttl: 120, data: name });
          answers.push({ type: 'SRV', name, ttl: 120, data: { target: 'forged.local', port: 9 } });
        }
        const bytes = packet.encode({ type: 'response', flags: packet.AUTHORITATIVE_ANSWER, answers });
        await new Promise((resolve) => s.send(bytes, 5353, '224.0.0.251', resolve));
        // Paced a little, so the receiver's socket buffer takes every one.
        if (p % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      s.close();
    });`;
  execFileSync(
    'ip',
    [
      'netns',
      'exec',
      ns,
      process.execPath,
      '-e',
      script,
      JSON.stringify([from, packets, perPacket]),
    ],
    { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] },
  );
}

test('forged mDNS answers under ever new names cost a bounded list; a real peer is still found', async (t) => {
  const lab = new Lab('mdnsflood', ['br0']);
  const [home, honest, attacker] = [1, 2, 3].map((n) =>
    lab.host(`h${n}`, [{ bridge: 'br0', cidr: `10.79.0.${n}/24` }]),
  ) as [string, string, string];
  // No timed re-query during the test: only the cap may let a browser's list go.
  const slow = { mdns: true, beacon: false, requeryIntervalMs: 120_000 };
  const kids = [new Child(home, 41001, slow)];
  try {
    const [me] = kids as [Child];
    await me.ready();
    const packets = 100;
    forgeServices(attacker, '10.79.0.3', packets, 20);
    let status = await me.status();
    for (let i = 0; i < 50 && status.mdns.answers_received < packets; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await me.status();
    }
    t.diagnostic(
      `${packets * 20} forged services in ${status.mdns.answers_received} answers heard; the browser holds ${status.mdns.services_held}`,
    );
    assert.ok(status.mdns.answers_received >= packets / 2, JSON.stringify(status.mdns));
    assert.ok(status.mdns.services_held < 512, JSON.stringify(status.mdns));
    const friend = new Child(honest, 41002, slow);
    kids.push(friend);
    await friend.ready();
    await me.sees(friend, '10.79.0.2', 'mdns');
  } finally {
    await closeAll(kids);
  }
});

test('the broadcast beacon finds peers where the network drops multicast', async (t) => {
  const lab = new Lab('beacon', ['br0']);
  const hosts = [1, 2, 3].map((n) =>
    lab.host(`h${n}`, [{ bridge: 'br0', cidr: `10.77.0.${n}/24` }]),
  );
  lab.dropMulticast();
  // The third also runs mDNS, which hears nobody here; its status must say why.
  const kids = hosts.map((ns, i) => new Child(ns, 40001 + i, { mdns: i === 2, beacon: true }));
  const [k1, k2, k3] = kids as [Child, Child, Child];
  try {
    const delays: number[] = [];
    for (const [i, a] of kids.entries()) {
      for (const [j, b] of kids.entries()) {
        if (i !== j) delays.push(await assertSees(a, b, `10.77.0.${j + 1}`, 'beacon'));
      }
    }
    report(t, 'beacon', delays);
    assert.equal(k3.candidatesFor(k1).filter((l) => l.via === 'mdns').length, 0);

    k1.send('garbage 10.77.0.255 47625');
    await k1.waitFor((l) => l.event === 'garbage-sent', 5000, 'garbage-sent');
    const status = await k2.status();
    assert.equal(status.beacon.running, true);
    assert.equal(status.mdns.running, false);
    assert.ok(status.beacon.sent > 0 && status.beacon.received > 0, JSON.stringify(status));
    assert.ok(
      status.beacon.ignored >= 2,
      `malformed and oversized counted: ${status.beacon.ignored}`,
    );
    assert.equal(status.last_error, null);

    // Two mDNS re-queries (2 s apart in the child) without an answer while beacons arrive.
    const deadline = performance.now() + 8000;
    let silent = await k3.status();
    while (silent.last_error === null && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      silent = await k3.status();
    }
    assert.equal(silent.mdns.running, true);
    assert.equal(silent.mdns.answers_received, 0);
    assert.match(silent.last_error ?? '', /may drop multicast/);
  } finally {
    await closeAll(kids);
  }
});

test('status says why nothing is found: no interface, ports taken; the process lives on', async () => {
  const lonely = addNamespace(`${RUN}-lonely`);
  const blocked = new Lab('blocked', ['br0']).host('h1', [{ bridge: 'br0', cidr: '10.79.0.1/24' }]);
  const alone = new Child(lonely, 40001, { mdns: true, beacon: true });
  const taken = new Child(blocked, 40002, { mdns: true, beacon: true, blockPorts: true });
  try {
    const aloneStatus = (await alone.ready()).status as Status;
    assert.deepEqual(aloneStatus.interfaces, []);
    assert.equal(aloneStatus.mdns.running, false);
    assert.match(aloneStatus.last_error ?? '', /no IPv4 network interface/);

    const takenStatus = (await taken.ready()).status as Status;
    assert.deepEqual(takenStatus.interfaces, [{ name: 'eth0', address: '10.79.0.1' }]);
    assert.equal(takenStatus.mdns.running, false);
    assert.equal(takenStatus.beacon.running, false);
    assert.match(takenStatus.last_error ?? '', /EADDRINUSE/);
    // A retry at the next re-query (2 s) fails the same way, without taking the process down.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const later = await taken.status();
    assert.equal(later.mdns.running, false);
    assert.match(later.last_error ?? '', /mdns eth0: EADDRINUSE/);
  } finally {
    await closeAll([alone, taken]);
  }
});
