/** The shaped LAN the swarm bench runs on: its ports really hold a copy to their rate, both ways. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { removeStaleLans, requireNetns } from '../../support/netns.js';
import { createShapedLan, type ShapedLan } from '../../support/shaped-lan.js';

const MIB = 1024 * 1024;
const PORT = 9000;

/** Counts what one connection brings, prints the count, exits. */
const RECEIVER = `
const server = require('node:net').createServer((sock) => {
  let n = 0;
  sock.on('data', (d) => { n += d.length; });
  sock.on('end', () => { process.stdout.write(n + '\\n'); server.close(); });
});
server.listen(${PORT}, () => process.stdout.write('listening\\n'));`;
const SENDER = `
const sock = require('node:net').connect(${PORT}, process.argv[1], () => sock.end(Buffer.alloc(Number(process.argv[2]))));`;

/** Copies `bytes` from host `from` to host `to` with a plain TCP connection; seconds it took. */
async function copy(lan: ShapedLan, from: number, to: number, bytes: number): Promise<number> {
  const inNs = (i: number, script: string, ...args: string[]) =>
    spawn('ip', ['netns', 'exec', lan.hosts[i]!.netns, process.execPath, '-e', script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  const receiver = inNs(to, RECEIVER);
  const lines = createInterface({ input: receiver.stdout })[Symbol.asyncIterator]();
  assert.equal((await lines.next()).value, 'listening');
  const started = performance.now();
  const sender = inNs(from, SENDER, lan.hosts[to]!.address, String(bytes));
  const received = Number((await lines.next()).value);
  const seconds = (performance.now() - started) / 1000;
  await Promise.all([once(receiver, 'exit'), once(sender, 'exit')]);
  assert.equal(received, bytes);
  return seconds;
}

/** The least time `bytes` of payload take at `mbit` (their frames' headers only add to it). */
const floorSeconds = (bytes: number, mbit: number): number => (bytes * 8) / (mbit * 1e6);

test('each port holds what its host sends and what it is sent to the port rate', async () => {
  const lan = createShapedLan([{ upMbit: 40, downMbit: 20 }, 1000]);
  try {
    const bytes = 4 * MIB;
    const up = await copy(lan, 0, 1, bytes);
    const down = await copy(lan, 1, 0, bytes);
    // Unshaped, a veth copies 4 MiB in milliseconds: these floors are the shapers at work.
    assert.ok(up >= floorSeconds(bytes, 40), `4 MiB up in ${up} s at 40 Mbit/s`);
    assert.ok(down >= floorSeconds(bytes, 20), `4 MiB down in ${down} s at 20 Mbit/s`);
    const stats = lan.shaperStats(0);
    assert.ok(stats.up.sentBytes > bytes, JSON.stringify(stats));
    assert.ok(stats.down.sentBytes > bytes, JSON.stringify(stats));
    const link = lan.linkBytes(0);
    assert.ok(link.sent > bytes && link.received > bytes, JSON.stringify(link));
    // The fast host's port passed the same bytes without holding them to 40 or 20 Mbit/s.
    assert.equal(lan.hosts[1]!.shape.upMbit, 1000);
    assert.ok(lan.shaperStats(1).down.sentBytes > bytes);
    assert.equal(lan.queueBytes(200), 500_000);
  } finally {
    lan.destroy();
  }
  const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  for (const ns of [lan.bridge, ...lan.hosts.map((h) => h.netns)]) {
    assert.ok(!left.includes(ns), `${ns} is still there after destroy`);
  }
});

test("a dead run's namespaces are removed, a live run's are kept", () => {
  requireNetns();
  const gone = spawnSync(process.execPath, ['-e', '']).pid;
  assert.ok(gone !== undefined);
  const dead = `lh${gone}x0-0`;
  const live = `lh${process.pid}x999-0`;
  for (const ns of [dead, live]) assert.equal(spawnSync('ip', ['netns', 'add', ns]).status, 0);
  try {
    const removed = removeStaleLans();
    assert.ok(removed.includes(dead) && !removed.includes(live), removed.join(' '));
    const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    assert.ok(!left.includes(dead) && left.includes(live), left);
  } finally {
    for (const ns of [dead, live]) spawnSync('ip', ['netns', 'del', ns]);
  }
});
