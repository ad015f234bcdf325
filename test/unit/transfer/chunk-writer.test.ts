import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ChunkWriter } from '../../../src/transfer/chunk-writer.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('writes pieces at their offsets in the file and returns the SHA-256 of the chunk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'chunk-writer-'));
  dirs.push(dir);
  const file = join(dir, 'game.bin');
  await writeFile(file, Buffer.alloc(3000));
  const chunk = randomBytes(1000);
  const writer = new ChunkWriter();
  try {
    writer.begin(file, 1000);
    // One piece owns its memory (moved to the worker), one is a view (copied).
    writer.write(Buffer.from(chunk.subarray(0, 600)), 0);
    writer.write(chunk.subarray(600), 600);
    await writer.drained();
    const hash = await writer.end();
    assert.equal(hash, createHash('sha256').update(chunk).digest('hex'));
    const bytes = await readFile(file);
    assert.ok(bytes.subarray(1000, 2000).equals(chunk));
    assert.ok(bytes.subarray(0, 1000).equals(Buffer.alloc(1000)));
    assert.ok(bytes.subarray(2000).equals(Buffer.alloc(1000)));
  } finally {
    await writer.close();
  }
});

test('a file that cannot be opened fails the chunk at end(), and the writer stays usable', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'chunk-writer-'));
  dirs.push(dir);
  const writer = new ChunkWriter();
  try {
    writer.begin(join(dir, 'missing', 'x.bin'), 0);
    writer.write(Buffer.from('abc'), 0);
    await assert.rejects(writer.end(), { code: 'download-failed' });
    const file = join(dir, 'ok.bin');
    await writeFile(file, Buffer.alloc(3));
    writer.begin(file, 0);
    writer.write(Buffer.from('xyz'), 0);
    assert.equal(await writer.end(), createHash('sha256').update('xyz').digest('hex'));
  } finally {
    await writer.close();
  }
});
