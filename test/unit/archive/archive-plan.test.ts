import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  MAX_ARCHIVE_ENTRIES,
  planArchiveSet,
  planRootArchives,
  writeStoredRar5,
  type Rar5SourceEntry,
} from '../../../src/archive/index.js';
import { LanspreadError } from '../../../src/errors.js';

const mtime = new Date('2025-01-01T00:00:00Z');
let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'lanspread-plan-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

function rejectsWith(code: string, message?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof LanspreadError, String(err));
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  };
}

const file = (name: string, text = 'x'): Rar5SourceEntry => ({
  name,
  kind: 'file',
  mtime,
  source: { bytes: Buffer.from(text) },
});
const dir = (name: string): Rar5SourceEntry => ({ name, kind: 'dir', mtime });
const symlink = (name: string, target: string): Rar5SourceEntry => ({
  name,
  kind: 'symlink',
  mtime,
  target,
});

/** A game root holding one archive set per entry of `sets`, named in that (byte-wise) order. */
async function root(name: string, sets: Record<string, Rar5SourceEntry[]>): Promise<string> {
  const at = await mkdtemp(join(work, `${name}-`));
  for (const [set, entries] of Object.entries(sets)) {
    await writeStoredRar5(join(at, set), entries);
  }
  return at;
}

const DEEP = 'd1/d2/d3/d4/d5/d6/d7/d8';

test('the two-set link escape of issue 16: each set alone is harmless, the root is refused', async () => {
  // a.eti: d1/…/d8/L -> ../../../../../../../.. (the install folder itself);
  // b.eti: escape -> d1/…/d8/L/../../../../../../../../../etc/passwd (inside, were L a folder).
  const a = [dir(DEEP), symlink(`${DEEP}/L`, '../../../../../../../..')];
  const b = [symlink('escape', `${DEEP}/L/${'../'.repeat(9)}etc/passwd`)];
  const at = await root('escape', { 'a.eti': a, 'b.eti': b });
  for (const set of ['a.eti', 'b.eti']) {
    const plan = await planArchiveSet({ name: set, volumes: [join(at, set)] });
    assert.equal(plan.links.length, 1, `${set} plans alone`);
  }
  await assert.rejects(
    planRootArchives(at),
    rejectsWith('archive-unsafe-entry', /escape -> d1\/.*etc\/passwd: the link points out/),
  );
});

test('sets checked as one tree: a file through another set’s link, two links of one name, a case-folded way out', async () => {
  const cases: [string, Record<string, Rar5SourceEntry[]>, RegExp][] = [
    [
      'through',
      { 'a.eti': [dir('sub'), symlink('up', 'sub')], 'b.eti': [file('up/pwned.txt')] },
      /up: a link and a file or folder share the name/,
    ],
    [
      'twice',
      { 'a.eti': [file('t.txt'), symlink('l', 't.txt')], 'b.eti': [symlink('l', 't.txt')] },
      /l: two links share the name/,
    ],
    [
      // On a case-insensitive disk d/l is the link D/L to the install folder, so `..` leaves it.
      'folded',
      { 'a.eti': [dir('D'), symlink('D/L', '..')], 'b.eti': [symlink('out', 'd/l/../../x')] },
      /out -> d\/l\/\.\.\/\.\.\/x: the link points out/,
    ],
  ];
  for (const [name, sets, why] of cases) {
    const at = await root(name, sets);
    await assert.rejects(planRootArchives(at), rejectsWith('archive-unsafe-entry', why), name);
  }
  // Links of one set that lead through another set's folder, and a later set replacing a
  // file, are fine.
  const fine = await root('fine', {
    'a.eti': [dir('bin'), file('bin/game.dat', 'old')],
    'b.eti': [file('bin/game.dat', 'new'), symlink('current', 'bin/game.dat')],
  });
  const plans = await planRootArchives(fine);
  assert.deepEqual(
    plans.map((p) => p.links.map((l) => l.path)),
    [[], ['current']],
  );
});

test('40,000 files and 40,000 copies of them plan in linear time', async () => {
  const n = 40_000;
  const entries: Rar5SourceEntry[] = [];
  for (let i = 0; i < n; i++) entries.push(file(`f/${i}.txt`));
  for (let i = 0; i < n; i++)
    entries.push({ name: `c/${i}.txt`, kind: 'file-copy', mtime, target: `f/${i}.txt` });
  const at = await root('copies', { 'copies.eti': entries });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const [plan] = await planRootArchives(at);
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  assert.equal(plan?.files.length, n);
  assert.equal(plan.links.length, n);
  assert.equal(plan.totalBytes, 2 * n, 'each copy counts the size of its file');
  // Well under a second on an idle machine; the quadratic planner took 13-18 s. CPU time, not
  // wall time, with room to spare: the test machine may be shared.
  assert.ok(cpuMs < 3000, `planning took ${cpuMs} ms of CPU`);
  console.log(
    `# 40k+40k copy entries planned: ${Math.round(performance.now() - started)} ms wall, ${Math.round(cpuMs)} ms CPU`,
  );
});

test(`a game's archives hold at most ${MAX_ARCHIVE_ENTRIES} entries together`, async () => {
  const half = MAX_ARCHIVE_ENTRIES / 2;
  const big = join(work, 'half.eti');
  await writeStoredRar5(
    big,
    Array.from({ length: half }, (_, i) => dir(`d${i}`)),
  );
  const at = await mkdtemp(join(work, 'many-'));
  await copyFile(big, join(at, 'a.eti'));
  await copyFile(big, join(at, 'b.eti'));
  const plans = await planRootArchives(at);
  assert.deepEqual(
    plans.map((p) => p.entries),
    [half, half],
    'exactly at the cap is fine',
  );
  await writeStoredRar5(join(at, 'c.eti'), [dir('one-more')]);
  await assert.rejects(
    planRootArchives(at),
    rejectsWith('archive-too-many-entries', /^c\.eti: .*more than 200000 entries/),
  );
});
