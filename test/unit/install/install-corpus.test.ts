import assert from 'node:assert/strict';
import { copyFile, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { crc32 } from 'node:zlib';
import { embeddedUnrar } from '../../../src/archive/index.js';
import { LanspreadError, type ErrorCode } from '../../../src/errors.js';
import { installGame } from '../../../src/install/index.js';
import { corpusPath, requireCorpus } from '../../support/corpus.js';

/** path → [size, CRC32] of what must land in local/, from PROVENANCE.md (whole-file CRCs). */
type Files = Record<string, readonly [number, number]>;

interface Installs {
  files: Files;
  /** Symlinks: path → target, or the CRC32 of the target when only that is documented. */
  symlinks?: Record<string, string | number>;
  dirs?: string[];
}

const SUBDIRS: Installs = {
  files: {
    'sub/dir1/file1.txt': [6, 0xe229f704],
    'sub/dir2/file2.txt': [6, 0xc904a4c7],
    'sub/with space/long fn.txt': [8, 0x71b7247d],
    'sub/üȵĩöḋè/file.txt': [5, 0x2fec89c1],
  },
  dirs: ['sub/empty'],
};

const TEST_BINS: Files = {
  'test.bin': [1200, 0x7cca70cd],
  'test1.bin': [4096, 0x7e13b2c6],
  'test2.bin': [4096, 0xf166afcb],
  'test3.bin': [4096, 0x9fb123d9],
  'test4.bin': [4096, 0x10c43ed4],
  'test5.bin': [4096, 0xb9d155f2],
  'test6.bin': [4096, 0x36a448ff],
};

const STORED: Files = {
  'make_uue.tcl': [405, 0x49478adc],
  'cebula.txt': [814, 0x7e5ec49e],
  'test.bin': [1200, 0x7cca70cd],
};

/** Each corpus archive (or volume set, by its parts): what it installs, or the error it must fail with. */
const EXPECTED: Record<
  string,
  { parts: string[]; installs: Installs } | { parts: string[]; fails: ErrorCode }
> = {
  'rar4-bad-header-crc': { parts: ['rar4-bad-header-crc.rar'], fails: 'archive-header-crc' },
  'rar4-best-1mb-random': {
    parts: ['rar4-best-1mb-random.rar'],
    installs: {
      files: {
        'random_data.bin': [1048576, 0xb5c45cbe],
        'LibarchiveAddingTest.odt': [32618, 0x3435594d],
      },
    },
  },
  'rar4-compressed-dirs-symlink': {
    parts: ['rar4-compressed-dirs-symlink.rar'],
    installs: {
      files: {
        'LibarchiveAddingTest.html': [20111, 0x5e05a663],
        'testdir/test.txt': [20, 0xbec8a242],
        'testdir/LibarchiveAddingTest.html': [20111, 0x5e05a663],
      },
      // A RAR4 Unix symlink stores its target as the entry's data: 25 bytes, CRC 11fcd3f1.
      symlinks: { testlink: 0x11fcd3f1 },
      dirs: ['testemptydir'],
    },
  },
  'rar4-encrypted-data': { parts: ['rar4-encrypted-data.rar'], fails: 'archive-encrypted' },
  'rar4-encrypted-headers': { parts: ['rar4-encrypted-headers.rar'], fails: 'archive-encrypted' },
  'rar4-path-traversal': { parts: ['rar4-path-traversal.rar'], fails: 'archive-unsafe-entry' },
  'rar4-ppmd-expands-230mib': {
    parts: ['rar4-ppmd-expands-230mib.rar'],
    installs: { files: { 'ppmd_lzss_conversion_test.txt': [241647978, 0xf72b4477] } },
  },
  'rar4-solid': {
    parts: ['rar4-solid.rar'],
    installs: {
      files: {
        'file1.txt': [6, 0xe229f704],
        'file2.txt': [6, 0xc904a4c7],
        'file3.txt': [6, 0xd01f9586],
        'file4.txt': [6, 0x9f5e0341],
        'file5.txt': [6, 0x86453200],
        'file6.txt': [6, 0xad6861c3],
        'file7.txt': [6, 0xb4735082],
        'file8.txt': [6, 0x33eb4c4d],
        'file9.txt': [6, 0x2af07d0c],
      },
    },
  },
  'rar4-stored-bad-data-crc': {
    parts: ['rar4-stored-bad-data-crc.rar'],
    fails: 'archive-data-crc',
  },
  'rar4-stored-multivol': {
    parts: [
      'rar4-stored-multivol.part1.rar',
      'rar4-stored-multivol.part2.rar',
      'rar4-stored-multivol.part3.rar',
    ],
    installs: {
      files: { 'vols/bigfile.txt': [205000, 0x509ad74c], 'vols/smallfile.txt': [2050, 0xd08a1f86] },
    },
  },
  'rar4-stored-subdirs': { parts: ['rar4-stored-subdirs.rar'], installs: SUBDIRS },
  'rar5-blake2-hash': {
    parts: ['rar5-blake2-hash.rar'],
    installs: { files: { 'stest1.txt': [2048, 0xc5b7e6a2], 'stest2.txt': [2048, 0xc5b7e6a2] } },
  },
  'rar5-compressed-300k': {
    parts: ['rar5-compressed-300k.rar'],
    installs: { files: { 'med.bin': [307200, 0xa95dea60] } },
  },
  'rar5-compressed-dir-win32': {
    parts: ['rar5-compressed-dir-win32.rar'],
    installs: { files: TEST_BINS },
  },
  'rar5-compressed-expands-40mib': {
    parts: ['rar5-compressed-expands-40mib.rar'],
    installs: { files: { 'big.bin': [41943040, 0xee27f2f5] } },
  },
  'rar5-encrypted-data': { parts: ['rar5-encrypted-data.rar'], fails: 'archive-encrypted' },
  'rar5-encrypted-headers': { parts: ['rar5-encrypted-headers.rar'], fails: 'archive-encrypted' },
  'rar5-links': {
    parts: ['rar5-links.rar'],
    installs: {
      files: {
        'file.txt': [39, 0x03577917],
        'sub/inner.txt': [39, 0x17c90cb9],
        // The hard link and the file copy become copies of the files they name.
        'hard.txt': [39, 0x03577917],
        'copy-a.bin': [4864, 0xa11ae4ec],
        'copy-b.bin': [4864, 0xa11ae4ec],
      },
      symlinks: { 'sub/link-up': '../file.txt', 'link-flat': 'file.txt' },
    },
  },
  'rar5-no-checksum': {
    parts: ['rar5-no-checksum.rar'],
    installs: { files: { 'nochecksum.txt': [24, 0x96f352d7] } },
  },
  'rar5-solid-5x40k': {
    parts: ['rar5-solid-5x40k.rar'],
    installs: {
      files: {
        's0.bin': [40960, 0xd83fb097],
        's1.bin': [40960, 0xf9dd9ca4],
        's2.bin': [40960, 0x77431a64],
        's3.bin': [40960, 0x07f79c39],
        's4.bin': [40960, 0x480d6b5e],
      },
    },
  },
  'rar5-solid-multivol': {
    parts: [1, 2, 3, 4].map((n) => `rar5-solid-multivol.part${n}.rar`),
    installs: {
      files: {
        'cebula.txt': [814, 0x7e5ec49e],
        ...TEST_BINS,
        'elf-Linux-ARMv7-ls': [90808, 0x886f91eb],
      },
    },
  },
  'rar5-solid': { parts: ['rar5-solid.rar'], installs: { files: TEST_BINS } },
  'rar5-stored-bad-data-crc': {
    parts: ['rar5-stored-bad-data-crc.rar'],
    fails: 'archive-data-crc',
  },
  'rar5-stored-multivol': {
    parts: [1, 2, 3].map((n) => `rar5-stored-multivol.part${n}.rar`),
    installs: { files: { 'stored2.bin': [120000, 0x8b95a4d2] } },
  },
  'rar5-stored-subdirs': { parts: ['rar5-stored-subdirs.rar'], installs: SUBDIRS },
  'rar5-stored-truncated': { parts: ['rar5-stored-truncated.rar'], fails: 'archive-truncated' },
  'rar5-stored': { parts: ['rar5-stored.rar'], installs: { files: STORED } },
  'rar5-symlink-traversal': {
    parts: ['rar5-symlink-traversal.rar'],
    fails: 'archive-unsafe-entry',
  },
  'rar7-dict6g-unsupported': {
    parts: ['rar7-dict6g-unsupported.rar'],
    fails: 'archive-unsupported',
  },
};

/** Every non-directory under `dir`, as relative `/` paths. */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await walk(path.join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

let base: string | undefined;
before(async () => {
  requireCorpus();
  base = await mkdtemp(path.join(tmpdir(), 'lanspread-install-corpus-'));
});
after(async () => {
  // Without the corpus, before() failed with the message that matters; nothing to remove.
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

/** A sandbox holding one game root with the parts as `.eti` files; returns both. */
async function gameRootWith(
  name: string,
  parts: string[],
): Promise<{ sandbox: string; root: string }> {
  assert.ok(base !== undefined, 'the sandbox folder was not made');
  const sandbox = path.join(base, name);
  const root = path.join(sandbox, 'game');
  await mkdir(root, { recursive: true });
  for (const part of parts)
    await copyFile(corpusPath(part), path.join(root, part.replace(/\.rar$/, '.eti')));
  return { sandbox, root };
}

test('every corpus archive has an expectation', async () => {
  requireCorpus();
  const sets = new Set(
    (await readdir(corpusPath('.')))
      .filter((f) => f.endsWith('.rar'))
      .map((f) => f.replace(/(\.part\d+)?\.rar$/, '')),
  );
  assert.deepEqual([...sets].sort(), Object.keys(EXPECTED).sort());
});

describe('installing each corpus archive with the embedded provider', () => {
  for (const [name, expected] of Object.entries(EXPECTED)) {
    test(
      'fails' in expected
        ? `${name} fails with ${expected.fails} and leaves nothing behind`
        : `${name} installs every entry with its documented size and CRC32`,
      async () => {
        const { sandbox, root } = await gameRootWith(name, expected.parts);
        const archives = (await readdir(root)).sort();
        const attempt = installGame(root, embeddedUnrar, new AbortController().signal);
        if ('fails' in expected) {
          await assert.rejects(attempt, (err: unknown) => {
            assert.ok(err instanceof LanspreadError, String(err));
            assert.equal(err.code, expected.fails, err.message);
            return true;
          });
          // No local/, no staging, nothing beside the root (../ traversal would land there).
          assert.deepEqual((await readdir(root)).sort(), archives);
          assert.deepEqual(await readdir(sandbox), ['game']);
          return;
        }
        const result = await attempt;
        const local = path.join(root, 'local');
        const { files, symlinks = {}, dirs = [] } = expected.installs;
        assert.deepEqual(
          await walk(local),
          [...Object.keys(files), ...Object.keys(symlinks)].sort(),
        );
        for (const [rel, [size, crc]] of Object.entries(files)) {
          const bytes = await readFile(path.join(local, rel));
          assert.equal(bytes.length, size, rel);
          assert.equal(crc32(bytes), crc, `${rel} CRC32`);
        }
        for (const [rel, target] of Object.entries(symlinks)) {
          assert.ok((await lstat(path.join(local, rel))).isSymbolicLink(), `${rel} is a symlink`);
          const actual = await readlink(path.join(local, rel));
          if (typeof target === 'number') assert.equal(crc32(Buffer.from(actual)), target, rel);
          else assert.equal(actual, target, rel);
        }
        for (const dir of dirs) assert.ok((await lstat(path.join(local, dir))).isDirectory(), dir);
        assert.equal(result.archives, 1);
        assert.deepEqual((await readdir(root)).sort(), [...archives, 'local'].sort());
        await rm(local, { recursive: true });
      },
    );
  }
});
