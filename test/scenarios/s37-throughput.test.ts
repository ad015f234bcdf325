import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { download, link } from './harness/assertions.js';
import { scenario } from './harness/lab.js';
import { writeSparseGame } from '../support/fixture-games.js';

const SIZE = 2 * 1024 ** 3;

scenario('S37', 'single-source download throughput (sparse 2 GiB .eti)', async (lab) => {
  await writeSparseGame(lab.gamesDir('source'), 'cnc4', SIZE);
  const source = await lab.start('source');
  const client = await lab.start('client');
  await link(client, source);
  const { answer, events } = await download(client, 'cnc4', { timeoutMs: 170_000 });
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  const done = events.find((e) => e.event === 'download-finished')!;
  for (const field of ['bytes', 'duration_ms', 'mib_per_s', 'mbit_per_s'])
    assert.equal(typeof done[field], 'number', field);
  assert.equal(done.bytes, SIZE + 9);
  assert.ok(Number(done.mib_per_s) > 0);
  assert.equal((await stat(join(lab.gamesDir('client'), 'cnc4', 'cnc4.eti'))).size, SIZE);
  return `2 GiB in ${String(done.duration_ms)} ms: ${String(done.mib_per_s)} MiB/s (${String(done.mbit_per_s)} Mbit/s), archive size matches`;
});
