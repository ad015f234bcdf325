import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { download, link } from './harness/assertions.js';
import { bigGame, SMALL_CHUNKS } from './harness/fixtures.js';
import { scenario } from './harness/lab.js';
import { assertSameRoot } from './harness/manifests.js';

/** More than the source's per-peer share allows at once: 6 manifest jobs (4), 12 requests (8). */
const GAMES = ['alienswarm', 'aoe2', 'bf1942', 'bfbc2', 'cnc4', 'cnctw'];

/** How often the source answered `serve-over-budget`, from its log. */
async function overBudgetRefusals(logFile: string): Promise<number> {
  const lines = (await readFile(logFile, 'utf8')).split('\n').filter((l) => l.startsWith('{'));
  return lines.filter((line) => {
    const record = JSON.parse(line) as { code?: unknown };
    return record.code === 'serve-over-budget';
  }).length;
}

scenario(
  'S64',
  'six downloads at once from one source: slowed by its budget, none failed',
  async (lab) => {
    await lab.games(
      'source',
      GAMES.map((id) => bigGame(id, 6, { files: 3 })),
    );
    const source = await lab.start('source', { extraArgs: SMALL_CHUNKS });
    const client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
    await link(client, source);
    const results = await Promise.all(GAMES.map((id) => download(client, id)));
    for (const [i, { answer }] of results.entries())
      assert.equal(answer.ok, true, `${GAMES[i]}: ${JSON.stringify(answer.error)}`);
    const dropped = results
      .flatMap((r) => r.events)
      .filter((e) => e.event === 'download-peer-dropped');
    assert.deepEqual(dropped, [], 'a busy source is not dropped');
    for (const id of GAMES) await assertSameRoot(lab, 'source', 'client', id);
    const refusals = await overBudgetRefusals(join(lab.root, 'source.stderr.log'));
    // Without refusals the scenario would not have tested the budget at all.
    assert.ok(refusals > 0, 'the source never answered serve-over-budget');
    return `all ${GAMES.length} downloads finished and match the source; the source answered serve-over-budget ${refusals} times, no source dropped`;
  },
);
