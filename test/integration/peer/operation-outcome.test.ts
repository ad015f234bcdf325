import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CommandResult, Peer, PeerEvent } from '../../../src/peer/index.js';
import { writeFixtureGame, type FixtureGameSpec } from '../../support/fixture-games.js';
import { startLoopbackPeer } from '../../support/loopback-peer.js';

// Item 5 of issue 15: whoever hears an operation's outcome and asks at once (in the listener
// itself, before anything else runs) finds the operation released.
const VERSION = '20250101';
const CHUNK = 1024 * 1024;
const TERMINAL = new Set(['download-finished', 'download-failed', 'download-cancelled']);

const game = (id: string, mib: number): FixtureGameSpec => ({
  id,
  version: VERSION,
  archives: [
    {
      name: `${id}.eti`,
      entries: [{ path: 'data/part0.bin', size: mib * CHUNK }],
    },
  ],
  files: [{ path: 'notes.txt', size: 300 }],
});

const dir = await mkdtemp(join(tmpdir(), 'lanspread-outcome-'));
const peers: Peer[] = [];
let source: Peer;
let client: Peer;
/** What `status` (sent from the listener) said at each terminal event, in order. */
const heard: { event: PeerEvent; status: Promise<CommandResult> }[] = [];

async function startPeer(name: string): Promise<Peer> {
  const peer = await startLoopbackPeer(dir, name, { chunkSize: CHUNK });
  peers.push(peer);
  return peer;
}

before(async () => {
  const sourceGames = join(dir, 'source', 'games');
  await mkdir(sourceGames, { recursive: true });
  for (const spec of [game('bfbc2', 1), game('cnc4', 1), game('alienswarm', 48)])
    await writeFixtureGame(sourceGames, spec);
  source = await startPeer('source');
  client = await startPeer('client');
  client.onEvent((event) => {
    if (TERMINAL.has(event.event)) heard.push({ event, status: client.execute({ cmd: 'status' }) });
  });
  await client.execute({ cmd: 'connect', addr: source.addr });
});

after(async () => {
  await Promise.all(peers.map((p) => p.shutdown()));
  await rm(dir, { recursive: true, force: true });
});

/** Runs `command` and returns the status each terminal event it caused saw. */
async function outcomeOf(command: Promise<CommandResult>): Promise<[string, unknown][]> {
  const from = heard.length;
  await command.catch(() => undefined);
  return Promise.all(
    heard
      .slice(from)
      .map(
        async ({ event, status }) =>
          [event.event, ((await status) as { active_operations: unknown }).active_operations] as [
            string,
            unknown,
          ],
      ),
  );
}

test('status sent on hearing download-finished sees no active operation', async () => {
  const outcome = await outcomeOf(
    client.execute({ cmd: 'download', game: 'bfbc2', install: false }),
  );
  assert.deepEqual(outcome, [['download-finished', []]]);
});

test('status and a retry sent on hearing download-failed see the game free', async () => {
  // A folder where the download must create a file: the write fails before any byte arrives.
  await mkdir(join(client.gamesDir, 'cnc4', 'notes.txt'), { recursive: true });
  let retry: Promise<unknown> | undefined;
  const stop = client.onEvent((event) => {
    if (event.event !== 'download-failed' || retry !== undefined) return;
    retry = client.execute({ cmd: 'download', game: 'cnc4', install: false }).then(
      () => 'ok',
      (err: unknown) => (err as { code?: string }).code,
    );
  });
  const outcome = await outcomeOf(
    client.execute({ cmd: 'download', game: 'cnc4', install: false }),
  );
  stop();
  assert.equal(outcome[0]?.[0], 'download-failed');
  assert.deepEqual(outcome[0]?.[1], []);
  // The retry was not refused as operation-in-progress: it ran, and failed the same way.
  assert.equal(await retry, 'download-failed');
});

test('status sent on hearing download-cancelled sees no active operation', async () => {
  const running = client.execute({ cmd: 'download', game: 'alienswarm', install: false });
  const stop = client.onEvent((event) => {
    if (event.event === 'download-chunk-finished')
      void client.execute({ cmd: 'cancel-download', game: 'alienswarm' }).catch(() => undefined);
  });
  const outcome = await outcomeOf(running);
  stop();
  assert.deepEqual(outcome, [['download-cancelled', []]]);
});
