import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  DIGEST_CHUNK_SIZE,
  digestManifest,
  encodeManifest,
  type DigestedManifest,
} from '../../../src/catalog/manifest-digest.js';
import type { GameId, GameVersion } from '../../../src/ids.js';
import { silentLogger } from '../../../src/logger.js';
import { isServedChunkSize } from '../../../src/protocol/index.js';
import { buildManifest } from '../../../src/transfer/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lanspread-digest-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const PROTOCOL_MD = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
/** The worked example of docs/protocol.md, "Catalog digest". */
const EXAMPLE_DIGEST = '7598d3046a609a7e36428c12b9b9b7249769db3c5d9523930dffa77f3e403b09';

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function manifest(files: DigestedManifest['files']): DigestedManifest {
  return { chunk_size: DIGEST_CHUNK_SIZE, files };
}

const example = (): DigestedManifest =>
  manifest([
    { path: 'version.ini', size: 9, chunks: [sha('20250101\n')] },
    { path: 'readme.txt', size: 3, chunks: [sha('hi\n')] },
    { path: 'data/empty.bin', size: 0, chunks: [] },
  ]);

test('the worked example of docs/protocol.md: a root on disk gives the documented encoding and digest', async () => {
  const root = join(dir, 'ggoo');
  mkdirSync(join(root, 'data'), { recursive: true });
  writeFileSync(join(root, 'version.ini'), '20250101\n');
  writeFileSync(join(root, 'readme.txt'), 'hi\n');
  writeFileSync(join(root, 'data', 'empty.bin'), '');
  const built = await buildManifest(
    root,
    'ggoo' as GameId,
    '20250101' as GameVersion,
    DIGEST_CHUNK_SIZE,
    null,
    silentLogger,
  );
  assert.equal(digestManifest(built), EXAMPLE_DIGEST);
  assert.equal(digestManifest(example()), EXAMPLE_DIGEST);
  assert.ok(PROTOCOL_MD.includes(EXAMPLE_DIGEST), 'docs/protocol.md shows another digest');
  const documentedHex = /Its encoding \((\d+) bytes, hex\):\n```\n([0-9a-f\n]+)```/.exec(
    PROTOCOL_MD,
  );
  assert.ok(documentedHex !== null, 'docs/protocol.md lost the example encoding');
  const encoding = encodeManifest(example());
  assert.equal(encoding?.toString('hex'), documentedHex[2]?.replaceAll('\n', ''));
  assert.equal(encoding?.length, Number(documentedHex[1]));
});

test('the digest ignores file order but not a path, a size, a hash or a file more', () => {
  const base = digestManifest(example());
  assert.equal(digestManifest(manifest([...example().files].reverse())), base);
  const changed = (i: number, f: Partial<DigestedManifest['files'][number]>): string | null =>
    digestManifest(
      manifest(example().files.map((file, j) => (j === i ? { ...file, ...f } : file))),
    );
  const variants = [
    changed(1, { path: 'readme.TXT' }),
    changed(1, { chunks: [sha('ho\n')] }),
    changed(2, { path: 'data/empty.bin2' }),
    digestManifest(manifest([...example().files, { path: 'extra', size: 0, chunks: [] }])),
    digestManifest(manifest(example().files.slice(1))),
  ];
  for (const v of variants) {
    assert.match(v ?? '', /^[0-9a-f]{64}$/);
    assert.notEqual(v, base);
  }
  assert.equal(new Set(variants).size, variants.length);
});

test('a manifest that is not at 32 MiB chunks or not self-consistent has no digest', () => {
  assert.equal(digestManifest({ ...example(), chunk_size: 1024 * 1024 }), null);
  const bad: DigestedManifest['files'][number][] = [
    // Counts that do not fit the size would let hash bytes pose as the next file's header.
    { path: 'readme.txt', size: 3, chunks: [] },
    { path: 'readme.txt', size: 3, chunks: [sha('a'), sha('b')] },
    { path: 'readme.txt', size: DIGEST_CHUNK_SIZE + 1, chunks: [sha('a')] },
    { path: 'readme.txt', size: 3, chunks: [sha('hi\n').toUpperCase()] },
    { path: 'readme.txt', size: -1, chunks: [] },
  ];
  for (const file of bad) {
    assert.equal(digestManifest(manifest([file])), null, JSON.stringify(file));
  }
  const twice = manifest([...example().files, { path: 'readme.txt', size: 0, chunks: [] }]);
  assert.equal(digestManifest(twice), null);
});

test('files are ordered by the bytes of their UTF-8 path, not by UTF-16 code units', () => {
  // U+FF5E is EF BD 9E in UTF-8 and sorts before U+1F600 (F0 9F 98 80); in UTF-16 it sorts after.
  const encoding = encodeManifest(
    manifest([
      { path: '\u{1F600}', size: 0, chunks: [] },
      { path: '\uFF5E', size: 0, chunks: [] },
    ]),
  );
  const hex = encoding?.toString('hex') ?? '';
  assert.ok(hex.indexOf('efbd9e') < hex.indexOf('f09f9880'), hex);
  // Two files: header, then [u32 3, 3 bytes, u64 0], then [u32 4, 4 bytes, u64 0].
  assert.equal(encoding?.length, 13 + 15 + 16);
});

test('the digest chunk size is one every serving peer answers manifests at', () => {
  assert.ok(isServedChunkSize(DIGEST_CHUNK_SIZE));
});
