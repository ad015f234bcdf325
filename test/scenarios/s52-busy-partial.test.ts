import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { GameId, GameVersion } from '../../src/ids.js';
import { download, link } from './harness/assertions.js';
import type { FakePeer } from './harness/fake-peer.js';
import { CATALOG_VERSION } from './harness/fixtures.js';
import { scenario } from './harness/lab.js';
import { assertSameRoot } from './harness/manifests.js';
import { seederAndClient, seederManifest, startClaimingPeer } from './harness/swarm.js';

const MIB = 1024 * 1024;
const CHUNK = 32 * MIB;
const GAME = 'alienswarm' as GameId;
const VERSION = CATALOG_VERSION as GameVersion;

scenario(
  'S52',
  'swarm: a partial peer that only ever answers chunk-busy is dropped; the download ends, not hangs',
  async (lab) => {
    // 128 MiB, four chunks of the archive; the seeder's upload is capped so that it dies mid-way.
    const { seeder, client, transport } = await seederAndClient(lab, GAME, 128, [
      '--max-upload',
      '16',
    ]);
    let hog: FakePeer | undefined;
    try {
      // It claims every chunk of the seeder's manifest, as a downloading peer, and never sends
      // one: each request is answered as if the chunk went to enough peers already.
      const manifest = await seederManifest(transport, seeder, GAME, VERSION, CHUNK);
      const claiming = await startClaimingPeer(lab, client, 'hog', manifest, (conn) => {
        conn.send({ t: 'refused', code: 'chunk-busy', message: 'sent to enough peers already' });
      });
      hog = claiming.peer;

      // The seeder dies after the first chunk; only the hog is left, claiming what is missing.
      const from = client.events.length;
      const startedAt = Date.now();
      const first = download(client, GAME, { timeoutMs: 90_000 });
      await client.waitEvent((e) => e.event === 'download-chunk-finished', 30_000, from);
      seeder.kill('SIGKILL');
      await seeder.exited;
      const killedAt = Date.now();
      const askedBeforeKill = claiming.asked();
      const { answer, events } = await first;
      const endedAfter = (Date.now() - killedAt) / 1000;
      assert.equal(answer.error?.code, 'no-sources-left', JSON.stringify(answer));
      const dropped = events.find(
        (e) => e.event === 'download-peer-dropped' && e.peer_id === hog?.peerId,
      );
      assert.ok(dropped, `the hog is dropped: ${JSON.stringify(events.map((e) => e.event))}`);
      assert.match(String(dropped.reason), /answered chunk-busy \d+ times in \d+ s/);
      const asked = claiming.asked();
      assert.ok(asked >= 8, `the hog was asked ${asked} times`);
      const root = join(lab.gamesDir('c1'), GAME);
      assert.ok(existsSync(join(root, '.lanspread', 'download.json')), 'the journal is kept');

      // The seeder is back: the download completes, the hog still claiming and refusing.
      const back = await lab.start('seeder');
      await link(client, back);
      const second = await download(client, GAME, { timeoutMs: 90_000 });
      assert.equal(second.answer.ok, true, JSON.stringify(second.answer.error));
      await assertSameRoot(lab, 'seeder', 'c1', GAME);
      return `seeder killed after the first chunk (${((killedAt - startedAt) / 1000).toFixed(1)} s in, the hog asked ${askedBeforeKill} times by then, ${asked} in all) dropped: "${String(dropped.reason)}"; answer no-sources-left ${endedAfter.toFixed(0)} s after the kill, journal kept; with the seeder back the download completed and matches`;
    } finally {
      await hog?.close();
      await transport.close();
    }
  },
);
