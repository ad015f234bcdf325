import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createExtractorFromData } from 'node-unrar-js';
import {
  SeededRandom,
  fixtureBytes,
  sha256Manifest,
  writeFixtureGame,
  type FixtureGameSpec,
} from '../../support/fixture-games.js';

const spec = (seed: string): FixtureGameSpec => ({
  id: 'cnctw',
  version: '20250101',
  seed,
  archives: [
    {
      name: 'cnctw.eti',
      entries: [
        { path: 'fixture-payload.txt', size: 4096 },
        { path: 'data/assets.dat', size: 64 * 1024 },
        { path: 'data/empty.dat', size: 0 },
      ],
    },
  ],
  files: [{ path: 'notes.txt', size: 300 }],
  installed: true,
});

describe('fixtureBytes', () => {
  test('the same seed and path give the same bytes', () => {
    assert.ok(fixtureBytes('a', 'x.bin', 10_000).equals(fixtureBytes('a', 'x.bin', 10_000)));
  });

  test('a different seed or path gives different bytes', () => {
    const base = fixtureBytes('a', 'x.bin', 64);
    assert.ok(!base.equals(fixtureBytes('b', 'x.bin', 64)));
    assert.ok(!base.equals(fixtureBytes('a', 'y.bin', 64)));
  });

  test('a shorter request is a prefix of a longer one', () => {
    assert.ok(fixtureBytes('a', 'x', 1001).equals(fixtureBytes('a', 'x', 5000).subarray(0, 1001)));
  });

  test('filling in odd-sized chunks gives the same stream as one fill', () => {
    const random = new SeededRandom('a\0x');
    const parts = [1, 2, 3, 5, 7, 100, 382, 500].map((n) => {
      const part = Buffer.alloc(n);
      random.fill(part);
      return part;
    });
    assert.ok(Buffer.concat(parts).equals(fixtureBytes('a', 'x', 1000)));
  });

  // Its speed is the suite's business, not a behaviour: no timed assertion (noisy machines).
  test('128 MiB continue the stream a short call starts, without repeating blocks', () => {
    const mib = 1024 * 1024;
    const bytes = fixtureBytes('speed', 'big.bin', 128 * mib);
    assert.equal(bytes.length, 128 * mib);
    assert.ok(bytes.subarray(0, 1000).equals(fixtureBytes('speed', 'big.bin', 1000)));
    assert.ok(!bytes.subarray(0, mib).equals(bytes.subarray(127 * mib)));
  });
});

describe('writeFixtureGame and sha256Manifest', () => {
  let work: string;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'fixture-games-'));
    await writeFixtureGame(path.join(work, 'one'), spec('seed-1'));
    await writeFixtureGame(path.join(work, 'two'), spec('seed-1'));
    await writeFixtureGame(path.join(work, 'other'), spec('seed-2'));
    await writeFixtureGame(path.join(work, 'partial'), { id: 'cnctw', version: null });
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('the same spec gives the same manifest, archives included', async () => {
    const one = await sha256Manifest(path.join(work, 'one', 'cnctw'));
    const two = await sha256Manifest(path.join(work, 'two', 'cnctw'));
    assert.deepEqual(Object.keys(one), ['cnctw.eti', 'notes.txt', 'version.ini']);
    assert.deepEqual(one, two);
  });

  test('a different seed gives a different manifest', async () => {
    const one = await sha256Manifest(path.join(work, 'one', 'cnctw'));
    const other = await sha256Manifest(path.join(work, 'other', 'cnctw'));
    assert.notEqual(one['cnctw.eti'], other['cnctw.eti']);
    assert.notEqual(one['notes.txt'], other['notes.txt']);
    assert.equal(one['version.ini'], other['version.ini']);
  });

  test('writes version.ini, local/ and no leftovers; the manifest skips local/ unless asked', async () => {
    const root = path.join(work, 'one', 'cnctw');
    assert.equal(await readFile(path.join(root, 'version.ini'), 'utf8'), '20250101\n');
    assert.deepEqual((await readdir(root)).sort(), [
      'cnctw.eti',
      'local',
      'notes.txt',
      'version.ini',
    ]);
    const all = await sha256Manifest(root, { exclude: [] });
    assert.ok(Object.keys(all).some((k) => k.startsWith('local/')));
    assert.equal(existsSync(path.join(work, 'partial', 'cnctw', 'version.ini')), false);
  });

  test('archive entries hold fixtureBytes(seed, path, size)', async () => {
    const eti = await readFile(path.join(work, 'one', 'cnctw', 'cnctw.eti'));
    const extractor = await createExtractorFromData({ data: new Uint8Array(eti).buffer });
    const got = new Map<string, Uint8Array | undefined>();
    for (const file of extractor.extract().files) got.set(file.fileHeader.name, file.extraction);
    assert.deepEqual(
      [...got.keys()],
      ['data', 'data/assets.dat', 'data/empty.dat', 'fixture-payload.txt'],
    );
    for (const entry of spec('seed-1').archives![0]!.entries) {
      const bytes = got.get(entry.path);
      assert.ok(bytes, entry.path);
      assert.ok(
        Buffer.from(bytes).equals(fixtureBytes('seed-1', entry.path, entry.size)),
        entry.path,
      );
    }
  });

  test('entries beyond the in-memory budget stream through a temp file to the same bytes', async () => {
    const gamesDir = path.join(work, 'large');
    const entries = [
      { path: 'a.bin', size: 40 * 1024 * 1024 },
      { path: 'b.bin', size: 30 * 1024 * 1024 + 3 },
    ];
    await writeFixtureGame(gamesDir, {
      id: 'big',
      version: '1',
      archives: [{ name: 'big.eti', entries }],
    });
    assert.deepEqual((await readdir(path.join(gamesDir, 'big'))).sort(), [
      'big.eti',
      'version.ini',
    ]);
    const eti = await readFile(path.join(gamesDir, 'big', 'big.eti'));
    const extractor = await createExtractorFromData({ data: new Uint8Array(eti).buffer });
    const files = [...extractor.extract().files];
    assert.deepEqual(
      files.map((f) => f.fileHeader.name),
      ['a.bin', 'b.bin'],
    );
    for (const [i, entry] of entries.entries()) {
      const bytes = files[i]!.extraction!;
      assert.ok(Buffer.from(bytes).equals(fixtureBytes('big', entry.path, entry.size)), entry.path);
    }
  });
});
