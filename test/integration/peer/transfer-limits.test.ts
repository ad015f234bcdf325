import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { silentLogger } from '../../../src/logger.js';
import {
  Peer,
  type LimitsView,
  type PeerOptions,
  type StatusResult,
} from '../../../src/peer/index.js';
import { PLAYING_UPLOAD_MIB_S } from '../../../src/peer/transfer-limits.js';

// Issue 19 item 1: the caps are set by set-limits (saved), by the start flags (saved with the
// next change), and playing mode by hand is not saved.
const dir = await mkdtemp(join(tmpdir(), 'lanspread-limits-'));
const running = new Set<Peer>();

async function start(extra: Partial<PeerOptions> = {}): Promise<Peer> {
  const peer = await Peer.start({
    gamesDir: join(dir, 'games'),
    stateDir: join(dir, 'state'),
    listenHost: '127.0.0.1',
    listenPort: 0,
    log: silentLogger,
    rescanIntervalMs: 0,
    ...extra,
  });
  running.add(peer);
  return peer;
}

async function stop(peer: Peer): Promise<void> {
  await peer.shutdown();
  running.delete(peer);
}

async function limits(peer: Peer): Promise<LimitsView> {
  return ((await peer.execute({ cmd: 'status' })) as StatusResult).limits;
}

async function saved(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(dir, 'state', 'settings.json'), 'utf8')) as Record<
    string,
    unknown
  >;
}

after(async () => {
  await Promise.all([...running].map((peer) => peer.shutdown()));
  await rm(dir, { recursive: true, force: true });
});

test('set-limits applies and saves the caps; playing by hand lowers uploads and is not saved', async () => {
  const peer = await start();
  assert.deepEqual(await limits(peer), {
    upload_mib_s: null,
    download_mib_s: null,
    playing: false,
    playing_by_hand: false,
    playing_games: [],
    playing_upload_mib_s: PLAYING_UPLOAD_MIB_S,
    effective_upload_mib_s: null,
  });
  const set = (await peer.execute({
    cmd: 'set-limits',
    upload_mib_s: 8,
    download_mib_s: 20.5,
  })) as LimitsView;
  assert.equal(set.upload_mib_s, 8);
  assert.equal(set.download_mib_s, 20.5);
  assert.equal(set.effective_upload_mib_s, 8);
  assert.deepEqual(await limits(peer), set, 'status shows what set-limits answered');
  assert.equal((await saved()).upload_mib_s, 8);
  assert.equal((await saved()).download_mib_s, 20.5);

  const playing = (await peer.execute({ cmd: 'set-limits', playing: true })) as LimitsView;
  assert.equal(playing.playing, true);
  assert.equal(playing.upload_mib_s, 8, 'the caps left out stay');
  assert.equal(playing.effective_upload_mib_s, PLAYING_UPLOAD_MIB_S);
  // A cap below the playing one stays in force.
  const lower = (await peer.execute({ cmd: 'set-limits', upload_mib_s: 1 })) as LimitsView;
  assert.equal(lower.effective_upload_mib_s, 1);

  const off = (await peer.execute({
    cmd: 'set-limits',
    upload_mib_s: null,
  })) as LimitsView;
  assert.equal(off.upload_mib_s, null);
  assert.equal(off.effective_upload_mib_s, PLAYING_UPLOAD_MIB_S, 'still playing');
  assert.equal((await saved()).upload_mib_s, null);
  await stop(peer);

  const again = await start();
  const restarted = await limits(again);
  assert.equal(restarted.upload_mib_s, null);
  assert.equal(restarted.download_mib_s, 20.5, 'saved caps hold after a restart');
  assert.equal(restarted.playing, false, 'playing by hand ends with the run');
  await stop(again);
});

test('--max-upload and --max-download replace the saved caps for the run, saved with the next change', async () => {
  const flagged = await start({ maxUploadMiBs: 4, maxDownloadMiBs: null });
  const view = await limits(flagged);
  assert.equal(view.upload_mib_s, 4);
  assert.equal(view.download_mib_s, null);
  assert.equal((await saved()).download_mib_s, 20.5, 'not saved by the flags alone');
  await flagged.execute({ cmd: 'set-limits', playing: false });
  assert.equal((await saved()).upload_mib_s, 4);
  assert.equal((await saved()).download_mib_s, null);
  await stop(flagged);
});
