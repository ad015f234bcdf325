/** A source whose bytes rot behind a manifest that still agrees with the honest peers'. */
import assert from 'node:assert/strict';
import { open, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { FixtureGameSpec } from '../../support/fixture-games.js';
import { download, link } from './assertions.js';
import type { Lab } from './lab.js';
import type { PeerProcess } from './peer-process.js';

const MIB = 1024 * 1024;

/**
 * Starts `name` with `spec`'s archive; a first client ("warm") makes it hash its files, then
 * three bytes of every MiB of the archive rot (the short last chunk too) behind an unchanged
 * mtime, so its cached manifest still agrees while every chunk it sends is bad.
 */
export async function startRottenSource(
  lab: Lab,
  name: string,
  spec: FixtureGameSpec,
  extraArgs: string[],
): Promise<{ peer: PeerProcess; size: number }> {
  await lab.games(name, [spec]);
  const archive = join(lab.gamesDir(name), spec.id, `${spec.id}.eti`);
  const stamp = new Date('2025-06-01T12:00:00Z');
  await utimes(archive, stamp, stamp);
  const peer = await lab.start(name, { extraArgs });
  const warm = await lab.start('warm', { extraArgs });
  await link(warm, peer);
  assert.equal((await download(warm, spec.id)).answer.ok, true);
  const file = await open(archive, 'r+');
  const { size } = await file.stat();
  for (let at = 0; at < size; at += MIB)
    await file.write(Buffer.from([0xff, 0x00, 0xff]), 0, 3, Math.min(at + 4096, size - 3));
  await file.close();
  await utimes(archive, stamp, stamp);
  return { peer, size };
}
