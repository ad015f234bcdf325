import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { crc32 } from 'node:zlib';
import { LanspreadError, type ErrorCode } from '../../../src/errors.js';
import {
  parseArchiveHeaders,
  readArchiveHeaders,
  type ArchiveListing,
  type ByteSource,
  type RarEntry,
  type RarEntryKind,
} from '../../../src/archive/index.js';
import { decodeVint, encodeVint } from '../../../src/archive/rar-fields.js';
import { writeStoredRar5 } from '../../../src/archive/rar5-writer.js';
import { CORPUS, corpusPath, requireCorpus } from '../../support/corpus.js';

const KINDS = {
  F: 'file',
  D: 'dir',
  L: 'symlink',
  H: 'hardlink',
  C: 'file-copy',
} as const satisfies Record<string, RarEntryKind>;

interface More {
  enc?: true;
  split?: '<' | '>' | '<>';
  blake2?: true;
  target?: string;
  /** A derived file whose data was damaged on purpose: its data no longer matches the CRC. */
  badData?: true;
}
/** kind, unpacked size, packed size, CRC32 (null: none stored), method, name, extras. */
type Row = [keyof typeof KINDS, number | null, number, number | null, number, string, More?];
type Expected =
  | { fmt: 'rar4' | 'rar5'; solid?: true; vol?: [first: boolean, number: number]; rows: Row[] }
  | { error: ErrorCode };

/** `row` with its extras replaced (none when `more` is empty). */
function withMore(row: Row, more: More = {}): Row {
  const [kind, unpacked, packed, crc, method, name] = row;
  return Object.keys(more).length > 0
    ? [kind, unpacked, packed, crc, method, name, more]
    : [kind, unpacked, packed, crc, method, name];
}

// Both subdirs archives hold the same tree, stored.
const SUBDIRS: Row[] = [
  ['F', 6, 6, 0xc904a4c7, 0, 'sub/dir2/file2.txt'],
  ['F', 8, 8, 0x71b7247d, 0, 'sub/with space/long fn.txt'],
  ['F', 5, 5, 0x2fec89c1, 0, 'sub/üȵĩöḋè/file.txt'],
  ['F', 6, 6, 0xe229f704, 0, 'sub/dir1/file1.txt'],
  ['D', 0, 0, 0, 0, 'sub/dir2'],
  ['D', 0, 0, 0, 0, 'sub/with space'],
  ['D', 0, 0, 0, 0, 'sub/empty'],
  ['D', 0, 0, 0, 0, 'sub/üȵĩöḋè'],
  ['D', 0, 0, 0, 0, 'sub/dir1'],
  ['D', 0, 0, 0, 0, 'sub'],
];
const STORED3: Row[] = [
  ['F', 405, 405, 0x49478adc, 0, 'make_uue.tcl'],
  ['F', 814, 814, 0x7e5ec49e, 0, 'cebula.txt'],
  ['F', 1200, 1200, 0x7cca70cd, 0, 'test.bin'],
];
const TEST_BINS = (method: number, packed: number[]): Row[] =>
  (
    [
      [1200, 0x7cca70cd, 'test.bin'],
      [4096, 0x7e13b2c6, 'test1.bin'],
      [4096, 0xf166afcb, 'test2.bin'],
      [4096, 0x9fb123d9, 'test3.bin'],
      [4096, 0x10c43ed4, 'test4.bin'],
      [4096, 0xb9d155f2, 'test5.bin'],
      [4096, 0x36a448ff, 'test6.bin'],
    ] as const
  ).map(([size, crc, name], i) => ['F', size, packed[i]!, crc, method, name]);

/**
 * Derived from PROVENANCE.md (node-unrar-js listings), per volume: the DLL follows a set into
 * its next volumes, so its listing of part 1 shows later files and skips continuations. Per-volume
 * CRCs and packed sizes of middle parts are not in PROVENANCE.md; the data checks below verify
 * them (a split-after part's CRC is the CRC32 of its packed bytes). Entries without a CRC field
 * (BLAKE2, no checksum, RAR5 dirs without one) have null where the DLL prints 0 or BLAKE2 bytes.
 */
const EXPECTED: Record<string, Expected> = {
  'rar4-bad-header-crc.rar': { error: 'archive-header-crc' },
  'rar4-best-1mb-random.rar': {
    fmt: 'rar4',
    rows: [
      ['F', 1048576, 1051284, 0xb5c45cbe, 5, 'random_data.bin'],
      ['F', 32618, 30271, 0x3435594d, 5, 'LibarchiveAddingTest.odt'],
    ],
  },
  'rar4-compressed-dirs-symlink.rar': {
    fmt: 'rar4',
    rows: [
      ['F', 20111, 7091, 0x5e05a663, 3, 'LibarchiveAddingTest.html'],
      ['L', 25, 25, 0x11fcd3f1, 0, 'testlink', { target: 'LibarchiveAddingTest.html' }],
      ['F', 20, 30, 0xbec8a242, 3, 'testdir/test.txt'],
      ['F', 20111, 7091, 0x5e05a663, 3, 'testdir/LibarchiveAddingTest.html'],
      ['D', 0, 0, 0, 0, 'testdir'],
      ['D', 0, 0, 0, 0, 'testemptydir'],
    ],
  },
  'rar4-encrypted-data.rar': {
    fmt: 'rar4',
    rows: [
      ['F', 18, 18, 0xee5a6e55, 0, 'a.txt'],
      ['F', 18, 32, 0xa9fa1485, 3, 'b.txt', { enc: true }],
      ['F', 18, 18, 0x949a3d35, 0, 'c.txt'],
      ['F', 18, 32, 0x26bae125, 3, 'd.txt', { enc: true }],
    ],
  },
  'rar4-encrypted-headers.rar': { error: 'archive-encrypted' },
  'rar4-path-traversal.rar': {
    fmt: 'rar4',
    rows: [['F', 12, 12, 0x890f8218, 0, '../../tmp/existing-file']],
  },
  'rar4-ppmd-expands-230mib.rar': {
    fmt: 'rar4',
    rows: [['F', 241647978, 176602, 0xf72b4477, 5, 'ppmd_lzss_conversion_test.txt']],
  },
  'rar4-solid.rar': {
    fmt: 'rar4',
    solid: true,
    rows: [
      ['F', 6, 26, 0xe229f704, 3, 'file1.txt'],
      ['F', 6, 3, 0xc904a4c7, 3, 'file2.txt'],
      ['F', 6, 3, 0xd01f9586, 3, 'file3.txt'],
      ['F', 6, 3, 0x9f5e0341, 3, 'file4.txt'],
      ['F', 6, 3, 0x86453200, 3, 'file5.txt'],
      ['F', 6, 3, 0xad6861c3, 3, 'file6.txt'],
      ['F', 6, 3, 0xb4735082, 3, 'file7.txt'],
      ['F', 6, 3, 0x33eb4c4d, 3, 'file8.txt'],
      ['F', 6, 3, 0x2af07d0c, 3, 'file9.txt'],
    ],
  },
  'rar4-stored-bad-data-crc.rar': {
    fmt: 'rar4',
    rows: SUBDIRS.map((row) =>
      row[5] === 'sub/dir1/file1.txt' ? withMore(row, { badData: true }) : row,
    ),
  },
  'rar4-stored-multivol.part1.rar': {
    fmt: 'rar4',
    vol: [true, 0],
    rows: [['F', 205000, 102310, 0x860d67d3, 0, 'vols/bigfile.txt', { split: '>' }]],
  },
  'rar4-stored-multivol.part2.rar': {
    fmt: 'rar4',
    vol: [false, 1],
    rows: [['F', 205000, 102310, 0xbff850ad, 0, 'vols/bigfile.txt', { split: '<>' }]],
  },
  'rar4-stored-multivol.part3.rar': {
    fmt: 'rar4',
    vol: [false, 2],
    rows: [
      ['F', 205000, 380, 0x509ad74c, 0, 'vols/bigfile.txt', { split: '<' }],
      ['F', 2050, 2050, 0xd08a1f86, 0, 'vols/smallfile.txt'],
    ],
  },
  'rar4-stored-subdirs.rar': { fmt: 'rar4', rows: SUBDIRS },
  'rar5-blake2-hash.rar': {
    fmt: 'rar5',
    rows: [
      ['F', 2048, 55, null, 3, 'stest1.txt', { blake2: true }],
      ['F', 2048, 2048, null, 0, 'stest2.txt', { blake2: true }],
    ],
  },
  'rar5-compressed-300k.rar': {
    fmt: 'rar5',
    rows: [['F', 307200, 78371, 0xa95dea60, 3, 'med.bin']],
  },
  'rar5-compressed-dir-win32.rar': {
    fmt: 'rar5',
    rows: [['D', 0, 0, 0, 0, 'testdir'], ...TEST_BINS(3, [361, 363, 363, 375, 375, 384, 384])],
  },
  'rar5-compressed-expands-40mib.rar': {
    fmt: 'rar5',
    rows: [['F', 41943040, 295711, 0xee27f2f5, 3, 'big.bin']],
  },
  'rar5-encrypted-data.rar': {
    fmt: 'rar5',
    rows: [
      ['F', 18, 18, 0xee5a6e55, 0, 'a.txt'],
      ['F', 18, 48, 0x02a34518, 3, 'b.txt', { enc: true }],
      ['F', 18, 18, 0x949a3d35, 0, 'c.txt'],
      ['F', 18, 32, 0x1263dfc3, 3, 'd.txt', { enc: true }],
    ],
  },
  'rar5-encrypted-headers.rar': { error: 'archive-encrypted' },
  // Link targets are not in PROVENANCE.md; they are the ones the names describe.
  'rar5-links.rar': {
    fmt: 'rar5',
    rows: [
      ['F', 39, 39, 0x03577917, 0, 'file.txt'],
      ['F', 39, 39, 0x17c90cb9, 0, 'sub/inner.txt'],
      ['L', 0, 0, 0, 0, 'sub/link-up', { target: '../file.txt' }],
      ['L', 0, 0, 0, 0, 'link-flat', { target: 'file.txt' }],
      ['H', 39, 0, 0, 0, 'hard.txt', { target: 'file.txt' }],
      ['F', 4864, 221, 0xa11ae4ec, 3, 'copy-a.bin'],
      ['C', 4864, 0, 0, 0, 'copy-b.bin', { target: 'copy-a.bin' }],
      ['D', 0, 0, null, 0, 'sub'],
    ],
  },
  'rar5-no-checksum.rar': { fmt: 'rar5', rows: [['F', 24, 24, null, 0, 'nochecksum.txt']] },
  'rar5-solid-5x40k.rar': {
    fmt: 'rar5',
    solid: true,
    rows: [
      ['F', 40960, 24668, 0xd83fb097, 3, 's0.bin'],
      ['F', 40960, 24669, 0xf9dd9ca4, 3, 's1.bin'],
      ['F', 40960, 16444, 0x77431a64, 3, 's2.bin'],
      ['F', 40960, 24689, 0x07f79c39, 3, 's3.bin'],
      ['F', 40960, 24673, 0x480d6b5e, 3, 's4.bin'],
    ],
  },
  'rar5-solid-multivol.part1.rar': {
    fmt: 'rar5',
    solid: true,
    vol: [true, 0],
    rows: [
      ['F', 814, 659, 0x7e5ec49e, 5, 'cebula.txt'],
      ...TEST_BINS(5, [331, 146, 28, 46, 28, 51, 28]),
      ['F', 90808, 11463, 0x21ec4422, 5, 'elf-Linux-ARMv7-ls', { split: '>' }],
    ],
  },
  'rar5-solid-multivol.part2.rar': {
    fmt: 'rar5',
    solid: true,
    vol: [false, 1],
    rows: [['F', 90808, 13131, 0x26e45e70, 5, 'elf-Linux-ARMv7-ls', { split: '<>' }]],
  },
  'rar5-solid-multivol.part3.rar': {
    fmt: 'rar5',
    solid: true,
    vol: [false, 2],
    rows: [['F', 90808, 13131, 0x5de2cde0, 5, 'elf-Linux-ARMv7-ls', { split: '<>' }]],
  },
  'rar5-solid-multivol.part4.rar': {
    fmt: 'rar5',
    solid: true,
    vol: [false, 3],
    rows: [['F', 90808, 3191, 0x886f91eb, 5, 'elf-Linux-ARMv7-ls', { split: '<' }]],
  },
  'rar5-solid.rar': {
    fmt: 'rar5',
    solid: true,
    rows: TEST_BINS(5, [423, 129, 24, 41, 24, 46, 24]),
  },
  'rar5-stored-bad-data-crc.rar': {
    fmt: 'rar5',
    rows: STORED3.map((row) => (row[5] === 'cebula.txt' ? withMore(row, { badData: true }) : row)),
  },
  'rar5-stored-multivol.part1.rar': {
    fmt: 'rar5',
    vol: [true, 0],
    rows: [['F', 120000, 51128, 0x19ddf4f5, 0, 'stored2.bin', { split: '>' }]],
  },
  'rar5-stored-multivol.part2.rar': {
    fmt: 'rar5',
    vol: [false, 1],
    rows: [['F', 120000, 51127, 0x406dd4d1, 0, 'stored2.bin', { split: '<>' }]],
  },
  'rar5-stored-multivol.part3.rar': {
    fmt: 'rar5',
    vol: [false, 2],
    rows: [['F', 120000, 17745, 0x8b95a4d2, 0, 'stored2.bin', { split: '<' }]],
  },
  'rar5-stored-subdirs.rar': { fmt: 'rar5', rows: SUBDIRS },
  'rar5-stored-truncated.rar': { error: 'archive-truncated' },
  'rar5-stored.rar': { fmt: 'rar5', rows: STORED3 },
  'rar5-symlink-traversal.rar': {
    fmt: 'rar5',
    rows: [
      ['L', 0, 0, 0, 0, 'up', { target: '..' }],
      ['F', 23, 23, 0xc0327d47, 0, 'up/pwned.txt'],
    ],
  },
  'rar7-dict6g-unsupported.rar': { error: 'archive-unsupported' },
};

async function rejectsWithCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof LanspreadError, `expected a LanspreadError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

/** What the listing must say about one entry, in the shape of a table row. */
function rowOf(entry: RarEntry): Row {
  const kind = (Object.keys(KINDS) as (keyof typeof KINDS)[]).find((k) => KINDS[k] === entry.kind);
  const more: More = {};
  if (entry.encrypted) more.enc = true;
  const split = `${entry.splitBefore ? '<' : ''}${entry.splitAfter ? '>' : ''}`;
  if (split === '<' || split === '>' || split === '<>') more.split = split;
  if (entry.hash === 'blake2sp') more.blake2 = true;
  if (entry.linkTarget !== null) more.target = entry.linkTarget;
  const row: Row = [
    kind!,
    entry.unpackedSize,
    entry.packedSize,
    entry.crc32,
    entry.method,
    entry.name,
  ];
  return withMore(row, more);
}

function withoutBadData(row: Row): Row {
  const more = { ...row[6] };
  delete more.badData;
  return withMore(row, more);
}

/** A byte source over memory that remembers how much was read. */
function memorySource(bytes: Buffer): ByteSource & { bytesRead: number; largestRead: number } {
  return {
    size: bytes.length,
    bytesRead: 0,
    largestRead: 0,
    async read(position, length) {
      const out = bytes.subarray(position, Math.min(position + length, bytes.length));
      this.bytesRead += out.length;
      this.largestRead = Math.max(this.largestRead, out.length);
      return Buffer.from(out);
    },
  };
}

test('the RAR corpus is present and every archive in it has expectations', () => {
  requireCorpus();
  const files = readdirSync(CORPUS)
    .filter((f) => f.endsWith('.rar'))
    .sort();
  assert.deepEqual(files, Object.keys(EXPECTED).sort());
});

describe('readArchiveHeaders on the corpus', () => {
  for (const [file, expected] of Object.entries(EXPECTED)) {
    if ('error' in expected) {
      test(`${file} fails with ${expected.error}`, async () => {
        requireCorpus();
        await rejectsWithCode(readArchiveHeaders(corpusPath(file)), expected.error);
      });
      continue;
    }
    test(`${file} lists as documented`, async () => {
      requireCorpus();
      const listing = await readArchiveHeaders(corpusPath(file));
      assert.equal(listing.format, expected.fmt);
      assert.equal(listing.solid, expected.solid ?? false);
      assert.equal(listing.encryptedHeaders, false);
      assert.deepEqual(
        listing.volume,
        expected.vol
          ? { isVolume: true, first: expected.vol[0], number: expected.vol[1] }
          : { isVolume: false, first: false, number: null },
      );
      assert.deepEqual(listing.entries.map(rowOf), expected.rows.map(withoutBadData));
      for (const entry of listing.entries) {
        assert.equal(entry.hash, entry.crc32 !== null ? 'crc32' : entry.hash);
        assert.ok(entry.mtimeMs === null || Number.isFinite(entry.mtimeMs));
      }
    });
    test(`${file}: stored CRCs match the data areas`, async () => {
      requireCorpus();
      const bytes = readFileSync(corpusPath(file));
      const listing = await readArchiveHeaders(corpusPath(file));
      for (const [i, entry] of listing.entries.entries()) {
        const whole = entry.method === 0 && !entry.splitBefore && !entry.splitAfter;
        // A split-after part carries the CRC32 of the packed bytes in this volume.
        const checkable = (whole || entry.splitAfter) && entry.packedSize > 0 && !entry.encrypted;
        if (!checkable || entry.crc32 === null) continue;
        const data = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.packedSize);
        const matches = crc32(data) === entry.crc32;
        assert.equal(matches, !expected.rows[i]![6]?.badData, `data CRC of ${entry.name}`);
      }
    });
  }
});

describe('multi-volume sets', () => {
  const sets = [
    ['rar4-stored-multivol', 3, 'vols/bigfile.txt', 205000, 0x509ad74c],
    ['rar5-stored-multivol', 3, 'stored2.bin', 120000, 0x8b95a4d2],
  ] as const;
  for (const [set, parts, name, size, fullCrc] of sets) {
    test(`${set}: the parts join into the file the last header describes`, async () => {
      requireCorpus();
      const chunks: Buffer[] = [];
      for (let part = 1; part <= parts; part++) {
        const file = corpusPath(`${set}.part${part}.rar`);
        const entry = (await readArchiveHeaders(file)).entries.find((e) => e.name === name)!;
        const bytes = readFileSync(file);
        chunks.push(bytes.subarray(entry.dataOffset, entry.dataOffset + entry.packedSize));
      }
      const joined = Buffer.concat(chunks);
      assert.equal(joined.length, size);
      assert.equal(crc32(joined), fullCrc);
    });
  }

  test('a volume may end after a split entry without an end-of-archive block', async () => {
    requireCorpus();
    const bytes = readFileSync(corpusPath('rar5-stored-multivol.part1.rar'));
    const [entry] = (await readArchiveHeaders(corpusPath('rar5-stored-multivol.part1.rar')))
      .entries;
    const cut = bytes.subarray(0, entry!.dataOffset + entry!.packedSize);
    const listing = await parseArchiveHeaders(memorySource(cut), 'cut');
    assert.equal(listing.entries.length, 1);
  });
});

describe('checksum quirks', () => {
  test('BLAKE2 and checksum-less entries keep their data intact', async () => {
    requireCorpus();
    // PROVENANCE.md: the real CRC32s are c5b7e6a2 (stest2.txt, stored) and 96f352d7.
    for (const [file, name, realCrc] of [
      ['rar5-blake2-hash.rar', 'stest2.txt', 0xc5b7e6a2],
      ['rar5-no-checksum.rar', 'nochecksum.txt', 0x96f352d7],
    ] as const) {
      const listing = await readArchiveHeaders(corpusPath(file));
      const entry = listing.entries.find((e) => e.name === name)!;
      assert.equal(entry.crc32, null);
      const bytes = readFileSync(corpusPath(file));
      const data = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.packedSize);
      assert.equal(crc32(data), realCrc);
    }
  });
});

describe('errors', () => {
  test('encrypted headers can be reported as a listing instead of an error', async () => {
    requireCorpus();
    for (const [file, format] of [
      ['rar4-encrypted-headers.rar', 'rar4'],
      ['rar5-encrypted-headers.rar', 'rar5'],
    ] as const) {
      const listing = await readArchiveHeaders(corpusPath(file), { allowEncryptedHeaders: true });
      assert.equal(listing.format, format);
      assert.equal(listing.encryptedHeaders, true);
      assert.deepEqual(listing.entries, []);
    }
  });

  test('rejects files that are not RAR4 or RAR5 as unsupported', async () => {
    for (const head of ['PK\x03\x04 not a rar', 'RE~^ RAR 1.4', 'Rar!\x1a\x07\x02\x00future', '']) {
      const source = memorySource(Buffer.from(head, 'latin1'));
      await rejectsWithCode(parseArchiveHeaders(source, head), 'archive-unsupported');
    }
  });

  test('reports an archive cut inside a header or before its end block as truncated', async () => {
    requireCorpus();
    const rar5 = readFileSync(corpusPath('rar5-stored.rar'));
    const listing = await readArchiveHeaders(corpusPath('rar5-stored.rar'));
    const last = listing.entries.at(-1)!;
    const rar4 = readFileSync(corpusPath('rar4-stored-subdirs.rar'));
    for (const cut of [
      rar5.subarray(0, 10),
      rar5.subarray(0, 30),
      rar5.subarray(0, last.dataOffset + last.packedSize),
      rar4.subarray(0, 12),
      rar4.subarray(0, 100),
      rar4.subarray(0, rar4.length - 7),
    ]) {
      await rejectsWithCode(parseArchiveHeaders(memorySource(cut), 'cut'), 'archive-truncated');
    }
  });

  test('reports a flipped header byte as a header CRC failure', async () => {
    requireCorpus();
    for (const file of ['rar5-stored.rar', 'rar4-stored-subdirs.rar']) {
      const bytes = Buffer.from(readFileSync(corpusPath(file)));
      const entry = (await readArchiveHeaders(corpusPath(file))).entries[0]!;
      // The last byte of the first file header is part of its name.
      bytes[entry.dataOffset - 1]! ^= 0x01;
      await rejectsWithCode(parseArchiveHeaders(memorySource(bytes), file), 'archive-header-crc');
    }
  });

  test('reports a missing file as unreadable', async () => {
    await rejectsWithCode(readArchiveHeaders('/nonexistent/archive.eti'), 'archive-unreadable');
  });
});

test('reads headers only, never the data areas', async () => {
  requireCorpus();
  for (const file of ['rar4-best-1mb-random.rar', 'rar5-compressed-expands-40mib.rar']) {
    const source = memorySource(readFileSync(corpusPath(file)));
    await parseArchiveHeaders(source, file);
    assert.ok(source.bytesRead < 1024, `${file}: read ${source.bytesRead} bytes`);
  }
});

test('decodeVint reads what encodeVint writes', () => {
  for (const value of [0, 1, 127, 128, 16383, 16384, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
    const bytes = Buffer.concat([Buffer.of(0xaa), encodeVint(value)]);
    assert.deepEqual(decodeVint(bytes, 1), { value, length: bytes.length - 1 });
  }
  assert.equal(decodeVint(Buffer.of(0x80, 0x80), 0), null);
});

describe('our RAR5 writer', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lanspread-rar-headers-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes archives that parse back to the same entries', async () => {
    const mtime = new Date('2024-05-06T07:08:09Z');
    const files: Record<string, Buffer> = {
      'game/readme.txt': Buffer.from('hello\n'),
      'game/empty.bin': Buffer.alloc(0),
      'game/Grüße 日本.dat': Buffer.alloc(70_000, 7),
    };
    const out = path.join(dir, 'game.eti');
    await writeStoredRar5(out, [
      { name: 'game', kind: 'dir', mtime },
      ...Object.entries(files).map(([name, bytes]) => ({
        name,
        kind: 'file' as const,
        mtime,
        source: { bytes },
      })),
    ]);
    const listing: ArchiveListing = await readArchiveHeaders(out);
    const archive = readFileSync(out);
    assert.equal(listing.format, 'rar5');
    assert.equal(listing.solid, false);
    assert.deepEqual(listing.entries.map(rowOf), [
      ['D', 0, 0, null, 0, 'game'],
      ...Object.entries(files).map(([name, bytes]): Row => [
        'F',
        bytes.length,
        bytes.length,
        crc32(bytes),
        0,
        name,
      ]),
    ]);
    for (const entry of listing.entries) {
      assert.equal(entry.mtimeMs, mtime.getTime());
      const data = archive.subarray(entry.dataOffset, entry.dataOffset + entry.packedSize);
      if (entry.kind === 'file') assert.deepEqual(data, files[entry.name]);
    }
  });
});
