import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { download, link } from './harness/assertions.js';
import { bigGame, SMALL_CHUNKS } from './harness/fixtures.js';
import { scenario, type Lab } from './harness/lab.js';
import { assertSameRoot } from './harness/manifests.js';

/**
 * Games of the default catalog. Two connections each: 6 downloads ask more of the source than
 * one peer's share at once (4 manifest jobs, 8 requests), 9 more than its 16 connections.
 */
const GAMES = ['alienswarm', 'aoe2', 'bf1942', 'bfbc2', 'cnc4', 'cnctw', 'cod5', 'css', 'ggoo'];

/** Log lines of `peer` whose message starts with `msg`. */
async function logged(lab: Lab, peer: string, msg: string): Promise<number> {
  const text = await readFile(join(lab.root, `${peer}.stderr.log`), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .filter((line) => String((JSON.parse(line) as { msg?: unknown }).msg).startsWith(msg)).length;
}

/** The receiver downloads `games` at once from one source; every download must complete, no source dropped. */
async function downloadAtOnce(lab: Lab, games: readonly string[]): Promise<void> {
  await lab.games(
    'source',
    // Large enough that every download is still fetching when the last one starts: the starts
    // are spread by their fsyncs (queue, intent, flush record), which a finished one's flush holds.
    games.map((id) => bigGame(id, 16, { files: 3 })),
  );
  const source = await lab.start('source', { extraArgs: SMALL_CHUNKS });
  const client = await lab.start('client', { extraArgs: SMALL_CHUNKS });
  await link(client, source);
  // Every download at once: none waits in the queue.
  const slots = await client.request('set-settings', { max_active_downloads: games.length });
  assert.equal(slots.ok, true, JSON.stringify(slots.error));
  const results = await Promise.all(games.map((id) => download(client, id)));
  for (const [i, { answer }] of results.entries())
    assert.equal(answer.ok, true, `${games[i]}: ${JSON.stringify(answer.error)}`);
  const dropped = results
    .flatMap((r) => r.events)
    .filter((e) => e.event === 'download-peer-dropped');
  assert.deepEqual(dropped, [], 'a busy source is not dropped');
  for (const id of games) await assertSameRoot(lab, 'source', 'client', id);
}

scenario(
  'S64',
  'six downloads at once from one source: slowed by its budget, none failed',
  async (lab) => {
    await downloadAtOnce(lab, GAMES.slice(0, 6));
    const waits = await logged(lab, 'source', 'waiting in line for a serving slot');
    const busy = await logged(lab, 'client', 'source is busy');
    // Unless the budget was reached, the scenario tested nothing.
    assert.ok(waits + busy > 0, 'the source never made the receiver wait');
    return `all 6 downloads finished and match the source; the source queued ${waits} requests past the receiver's share, the receiver backed off ${busy} times, no source dropped`;
  },
);

scenario(
  'S64',
  'nine downloads at once: connections past the share are refused, the receiver backs off',
  async (lab) => {
    await downloadAtOnce(lab, GAMES);
    const busy = await logged(lab, 'client', 'source is busy');
    assert.ok(busy > 0, 'the receiver was never told serve-over-budget');
    return `all 9 downloads finished and match the source; the receiver heard serve-over-budget and backed off ${busy} times, no source dropped`;
  },
);
