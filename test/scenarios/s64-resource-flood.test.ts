import assert from 'node:assert/strict';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseHostPort } from '../../src/host-port.js';
import type { GameId, GameVersion } from '../../src/ids.js';
import { loadOrCreateIdentity } from '../../src/identity/index.js';
import { silentLogger } from '../../src/logger.js';
import { Transport } from '../../src/net/index.js';
import type { WireMessage } from '../../src/protocol/index.js';
import { download, link } from './harness/assertions.js';
import { bigGame, CATALOG_VERSION, smallGame } from './harness/fixtures.js';
import { scenario, type Lab } from './harness/lab.js';
import { usage, UsagePeak } from './harness/usage.js';

const VERSION = CATALOG_VERSION as GameVersion;
const HUGE_BYTES = 1024 * 1024 * 1024;
const CHUNK_CLIENTS = 200;
const STREAM_CLIENTS = 50;
const RSS_LIMIT_MB = 300;

/**
 * Fresh identities that each open one transfer connection, ask `request`, take the first
 * answer and then never read again. Resolves with how the server answered each.
 */
async function flood(
  lab: Lab,
  addr: string,
  name: string,
  count: number,
  request: WireMessage,
  transports: Transport[],
): Promise<Map<string, number>> {
  const { host, port } = parseHostPort(addr);
  const outcomes = new Map<string, number>();
  const one = async (i: number): Promise<void> => {
    const identity = await loadOrCreateIdentity(join(lab.root, `${name}-${i}`), silentLogger);
    const transport = new Transport({ identity, log: silentLogger });
    transports.push(transport);
    let outcome: string;
    try {
      const conn = await transport.dial(host, port, { role: 'transfer' });
      outcome = await new Promise<string>((resolve) => {
        conn.onMessage((msg) => {
          conn.pause();
          resolve(msg.t === 'refused' ? msg.code : msg.t);
        });
        conn.onClose(() => {
          resolve('closed');
        });
        conn.send(request);
      });
    } catch {
      outcome = 'not connected';
    }
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  };
  // 20 dials at a time: a LAN attacker's pace, not a test of the handshake backstop.
  for (let i = 0; i < count; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, count - i) }, (_, j) => one(i + j)));
  }
  return outcomes;
}

const describe = (outcomes: Map<string, number>): string =>
  [...outcomes].map(([what, n]) => `${n}× ${what}`).join(', ');

scenario(
  'S64',
  'resource flood: 200 non-reading get-chunk and 50 get-stream strangers; RSS and descriptors bounded, an honest download completes',
  async (lab) => {
    const games = await lab.games('server', [
      smallGame('alienswarm'),
      bigGame('cnctw', 48),
      bigGame('ggoo', 24),
    ]);
    // 1 GiB the strangers ask for: sparse, so it costs no disk.
    const huge = join(games, 'alienswarm', 'huge.bin');
    await writeFile(huge, '');
    await truncate(huge, HUGE_BYTES);
    await lab.games('honest', []);
    const server = await lab.start('server');
    const honest = await lab.start('honest');
    await link(honest, server);
    const pid = server.pid;
    assert.ok(pid !== undefined, 'the server runs as a child process');
    const before = await usage(pid);
    const peak = new UsagePeak(pid);
    const transports: Transport[] = [];
    try {
      // One stream first, so an unpacker (the costliest job) runs during the whole flood.
      const getStream: WireMessage = { t: 'get-stream', game: 'cnctw' as GameId, version: VERSION };
      const floodStarted = Date.now();
      const streams = await flood(lab, server.addr, 'stream', 1, getStream, transports);
      const chunks = await flood(
        lab,
        server.addr,
        'chunk',
        CHUNK_CLIENTS,
        {
          t: 'get-chunk',
          game: 'alienswarm' as GameId,
          version: VERSION,
          path: 'huge.bin',
          offset: 0,
          length: HUGE_BYTES,
        },
        transports,
      );
      const moreStreams = await flood(
        lab,
        server.addr,
        'more-streams',
        STREAM_CLIENTS - 1,
        getStream,
        transports,
      );
      for (const [what, n] of moreStreams) streams.set(what, (streams.get(what) ?? 0) + n);
      // A served stranger holds its slot until the 30 s stall cut frees it; on a loaded machine
      // the flood itself can outlast that, and each cut lets one more stranger in.
      const stallWindows = 1 + Math.floor((Date.now() - floodStarted) / 30_000);
      const during = await usage(pid);
      // An honest peer with a control session downloads while the strangers hold what they got.
      const { answer } = await download(honest, 'ggoo');
      assert.equal(answer.ok, true, `the honest download failed: ${JSON.stringify(answer)}`);
      // Past the budget a stranger hears `serve-over-budget`, or, once 16 refused connections are
      // still closing, is dropped at once (closed): either way it is not served.
      const turnedAway = (answers: Map<string, number>): number =>
        (answers.get('serve-over-budget') ?? 0) + (answers.get('closed') ?? 0);
      assert.ok((chunks.get('serve-over-budget') ?? 0) > 0, `chunk flood: ${describe(chunks)}`);
      assert.equal(
        turnedAway(chunks) + (chunks.get('chunk') ?? 0),
        CHUNK_CLIENTS,
        `chunk flood: ${describe(chunks)}`,
      );
      assert.ok(
        (chunks.get('chunk') ?? 0) <= 4 * stallWindows,
        `at most 4 strangers served per stall window (${stallWindows}): ${describe(chunks)}`,
      );
      assert.equal(
        turnedAway(streams) + (streams.get('stream-plan') ?? 0),
        STREAM_CLIENTS,
        `stream flood: ${describe(streams)}`,
      );
      assert.ok(
        (streams.get('stream-plan') ?? 0) <= stallWindows,
        `one stream job for strangers: ${describe(streams)}`,
      );
      // The strangers that were served read nothing: each is cut after the 30 s stall timeout.
      const log = join(lab.root, 'server.stderr.log');
      for (let i = 0; ; i++) {
        if ((await readFile(log, 'utf8')).includes('the remote took no data for 30 s')) break;
        assert.ok(i < 600, 'no stalled receiver was cut within 60 s');
        await sleep(100);
      }
      await peak.stop();
      const after = await usage(pid);
      assert.ok(peak.rssMb < RSS_LIMIT_MB, `peak RSS ${peak.rssMb} MB is over ${RSS_LIMIT_MB} MB`);
      // Bounded by the budgets (64 handshaking, 32 stranger connections, 16 refused ones still
      // closing, one unpacker), not by the flood's 250 clients: the old code reached 423.
      assert.ok(peak.fds < before.fds + 150, `open files went from ${before.fds} to ${peak.fds}`);
      return (
        `get-chunk: ${describe(chunks)}; get-stream: ${describe(streams)}; ` +
        `RSS ${before.rssMb} → ${during.rssMb} MB after the floods, peak ${peak.rssMb} MB, ${after.rssMb} MB after the stall cut; ` +
        `open files ${before.fds} → peak ${peak.fds}, ${after.fds} after; the honest download of ggoo completed`
      );
    } finally {
      await peak.stop();
      await Promise.all(transports.map((t) => t.close()));
    }
  },
);
