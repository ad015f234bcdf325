import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bigGame, SMALL_CHUNKS } from './harness/fixtures.js';
import { bytesBySource, download, link } from './harness/assertions.js';
import { scenario } from './harness/lab.js';
import { assertSameRoot } from './harness/manifests.js';

scenario(
  'CANCEL',
  'cancel-download keeps verified chunks, never commits, and a retry resumes',
  async (lab) => {
    await lab.games('source', [bigGame('alienswarm', 192)]);
    const source = await lab.start('source', { extraArgs: SMALL_CHUNKS });
    const client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
    await link(client, source);
    const from = client.events.length;
    const running = download(client, 'alienswarm');
    await client.waitEvent(
      () =>
        client.events.slice(from).filter((e) => e.event === 'download-chunk-finished').length >= 20,
      30_000,
      from,
    );
    const cancel = await client.request('cancel-download', { game: 'alienswarm' });
    assert.equal(cancel.ok, true, JSON.stringify(cancel.error));
    const { answer, events } = await running;
    assert.equal(answer.ok, false);
    assert.equal(answer.error?.code, 'cancelled');
    assert.ok(events.some((e) => e.event === 'download-cancelled'));
    assert.equal(
      events.some((e) => e.event === 'download-failed'),
      false,
      'a cancel is not a failure',
    );
    const root = join(lab.gamesDir('client'), 'alienswarm');
    assert.equal(existsSync(join(root, 'version.ini')), false);
    const journal = JSON.parse(
      await readFile(join(root, '.lanspread', 'download.json'), 'utf8'),
    ) as { verified: string[] };
    assert.ok(journal.verified.length >= 20, `journal keeps ${journal.verified.length} chunks`);
    assert.deepEqual(
      (await client.cmd<{ active_operations: unknown[] }>('status')).active_operations,
      [],
    );
    const again = await client.request('cancel-download', { game: 'alienswarm' });
    assert.equal(again.error?.code, 'nothing-to-cancel', 'a second cancel finds nothing running');
    const retry = await download(client, 'alienswarm');
    assert.equal(retry.answer.ok, true, JSON.stringify(retry.answer.error));
    const total = Number(retry.events.find((e) => e.event === 'download-begin')?.bytes);
    const fetched = [...bytesBySource(retry.events).values()].reduce((a, b) => a + b, 0);
    assert.ok(fetched < total, 'the retry fetched only what was missing');
    await assertSameRoot(lab, 'source', 'client', 'alienswarm');
    return `cancelled after ${journal.verified.length} verified chunks -> download-cancelled, answer ${answer.error?.code}, no download-failed, no version.ini; retry fetched ${(fetched / 1048576).toFixed(0)} of ${(total / 1048576).toFixed(0)} MiB and matches`;
  },
);
