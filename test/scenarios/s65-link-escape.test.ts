import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { writeStoredRar5, type Rar5SourceEntry } from '../../src/archive/index.js';
import { assertNoOutbound, download, link } from './harness/assertions.js';
import { CATALOG_VERSION } from './harness/fixtures.js';
import { scenario } from './harness/lab.js';
import type { PeerProcess } from './harness/peer-process.js';

const GAME = 'cnctw';
const DEEP = 'd1/d2/d3/d4/d5/d6/d7/d8';
const mtime = new Date('2025-01-01T00:00:00Z');

/**
 * The attack of issue 16, as two real archive sets of one root: a.eti makes
 * `d1/…/d8/L -> ../../../../../../../..` (the install folder, harmless alone), b.eti makes
 * `escape -> d1/…/d8/L/../../../../../../../../../etc/passwd` (harmless were L a folder).
 * Unpacked together, `local/escape` would lead to /etc/passwd.
 */
async function hostileRoot(games: string): Promise<string> {
  const root = join(games, GAME);
  await mkdir(root, { recursive: true });
  const a: Rar5SourceEntry[] = [
    { name: 'readme.txt', kind: 'file', mtime, source: { bytes: Buffer.from('a game\n') } },
    { name: DEEP, kind: 'dir', mtime },
    { name: `${DEEP}/L`, kind: 'symlink', mtime, target: '../../../../../../../..' },
  ];
  const b: Rar5SourceEntry[] = [
    { name: 'escape', kind: 'symlink', mtime, target: `${DEEP}/L/${'../'.repeat(9)}etc/passwd` },
  ];
  await writeStoredRar5(join(root, 'a.eti'), a);
  await writeStoredRar5(join(root, 'b.eti'), b);
  await writeFile(join(root, 'version.ini'), `${CATALOG_VERSION}\n`);
  return root;
}

/** Every symlink under `dir` (never followed) whose resolution leaves `inside`, or that dangles out. */
async function linksLeaving(dir: string, inside: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const at = join(dir, d.name);
    if (d.isSymbolicLink()) {
      const to = await realpath(at).catch(() => null);
      if (to === null || relative(inside, to).startsWith(`..${sep}`)) out.push(at);
    } else if (d.isDirectory()) {
      out.push(...(await linksLeaving(at, inside)));
    }
  }
  return out;
}

/** Every path under `dir`, symlinks not followed. */
async function tree(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const at = join(dir, d.name);
    out.push(at);
    if (d.isDirectory() && !(await lstat(at)).isSymbolicLink()) out.push(...(await tree(at)));
  }
  return out.sort();
}

async function assertIdle(peer: PeerProcess): Promise<void> {
  const status = await peer.cmd<{ active_operations: unknown[] }>('status');
  assert.deepEqual(status.active_operations, []);
}

scenario(
  'S65',
  'links of two archive sets that escape only together: install and streamed install refused',
  async (lab) => {
    await hostileRoot(lab.gamesDir('seed'));
    const passwd = await readFile('/etc/passwd');
    const seed = await lab.start('seed');
    const client = await lab.start('client');
    await link(client, seed);

    // download + install: the archives download as bytes; the install plans both sets as one
    // tree and refuses before anything is written. A previous install stays as it was.
    const got = await download(client, GAME);
    assert.equal(got.answer.ok, true, JSON.stringify(got.answer.error));
    // The journal goes when the flush after the download ends: the tree is taken after it.
    await lab.flushed('client', GAME);
    const root = join(lab.gamesDir('client'), GAME);
    await mkdir(join(root, 'local'));
    await writeFile(join(root, 'local', 'previous-install.txt'), 'the old install\n');
    const before = await tree(lab.gamesDir('client'));
    const install = await client.request('install', { game: GAME });
    assert.equal(install.error?.code, 'archive-unsafe-entry', JSON.stringify(install.error));
    assert.match(install.error.message, /escape -> d1\/.*: the link points out/);
    const failed = await client.waitEvent((e) => e.event === 'install-failed' && e.game === GAME);
    assert.equal(failed.code, 'archive-unsafe-entry');
    assert.deepEqual(await tree(lab.gamesDir('client')), before, 'the client games folder changed');
    assert.equal(
      await readFile(join(root, 'local', 'previous-install.txt'), 'utf8'),
      'the old install\n',
    );
    await assertIdle(client);

    // stream-install from the seed: the source plans the sets together and refuses to stream;
    // its code reaches the receiver, which keeps nothing.
    const receiver = await lab.start('receiver');
    await link(receiver, seed);
    const streamed = await receiver.request('stream-install', { game: GAME }, 60_000);
    assert.equal(streamed.error?.code, 'archive-unsafe-entry', JSON.stringify(streamed.error));
    assert.match(streamed.error.message, /escape -> d1\/.*: the link points out/);
    assert.equal(existsSync(join(lab.gamesDir('receiver'), GAME)), false, 'root left behind');
    await assertIdle(receiver);
    await assertNoOutbound(seed, GAME);

    // Nothing anywhere in the lab resolves outside it, /etc/passwd is as it was.
    assert.deepEqual(await linksLeaving(lab.root, lab.root), []);
    assert.deepEqual(await readFile('/etc/passwd'), passwd);
    return `install: ${install.error.code}, the previous local/ kept; stream-install: ${streamed.error.code} from the source, nothing kept; no symlink in the lab leads out ("${install.error.message.slice(0, 100)}")`;
  },
);
