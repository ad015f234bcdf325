import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { crc32 } from 'node:zlib';
import { createExtractorFromData, createExtractorFromFile } from 'node-unrar-js';
import { LanspreadError } from '../../../src/errors.js';
import { embeddedUnrar, readArchiveHeaders } from '../../../src/archive/index.js';
import { installGame } from '../../../src/install/index.js';
import { packDirectory } from '../../../src/archive/pack-directory.js';
import {
  encodeVint,
  writeStoredRar5,
  type Rar5SourceEntry,
} from '../../../src/archive/rar5-writer.js';
import { fixtureBytes } from '../../support/fixture-games.js';

const BIG_SIZE = 5 * 1024 * 1024 + 12345;

/** The source tree: name -> contents, or null for a directory. */
const TREE: Record<string, Buffer | null> = {
  a: null,
  'a/b': null,
  'a/b/c': null,
  'a/b/c/deep.txt': Buffer.from('deep down\n'),
  'a/b/empty.txt': Buffer.alloc(0),
  big: null,
  'big/random 5 MiB.bin': fixtureBytes('rar5-writer', 'big', BIG_SIZE),
  'empty-dir': null,
  Grüße: null,
  'Grüße/日本語 файл.txt': Buffer.from('non-ASCII name\n'),
  'with space.txt': Buffer.from('a name with a space\n'),
  'zero.bin': Buffer.alloc(0),
};

function byteOrder(names: string[]): string[] {
  return [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
}

function asArrayBuffer(buf: Buffer): ArrayBuffer {
  return new Uint8Array(buf).buffer;
}

function hasBinary(name: string): boolean {
  return !spawnSync(name, ['--version'], { stdio: 'ignore' }).error;
}

interface ParsedFileHeader {
  name: string;
  headerFlags: number;
  dataSize: number | null;
  fileFlags: number;
  unpackedSize: number;
  attributes: number;
  mtime: number | null;
  dataCrc: number | null;
  compression: number;
  hostOs: number;
}

/** A strict little RAR5 header walker: checks every header CRC and that every vint is minimal. */
function parseRar5(buf: Buffer): { types: number[]; files: ParsedFileHeader[] } {
  assert.deepEqual([...buf.subarray(0, 8)], [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x01, 0x00]);
  let pos = 8;
  const vint = (): number => {
    let value = 0;
    for (let shift = 0, i = 0; ; shift += 7, i++) {
      const byte = buf[pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        assert.ok(i === 0 || byte !== 0, `vint at ${pos - i - 1} is not minimal`);
        return value;
      }
    }
  };
  const types: number[] = [];
  const files: ParsedFileHeader[] = [];
  for (;;) {
    const start = pos;
    const headerCrc = buf.readUInt32LE(pos);
    pos += 4;
    const size = vint();
    assert.ok(pos - start - 4 <= 3, 'header size field is at most 3 bytes');
    const end = pos + size;
    assert.equal(crc32(buf.subarray(start + 4, end)), headerCrc, `header CRC at ${start}`);
    const type = vint();
    types.push(type);
    const headerFlags = vint();
    assert.equal(headerFlags & 0x0001, 0, 'no extra area');
    const dataSize = headerFlags & 0x0002 ? vint() : null;
    if (type === 2) {
      const fileFlags = vint();
      const unpackedSize = vint();
      const attributes = vint();
      const mtime = fileFlags & 0x2 ? buf.readUInt32LE((pos += 4) - 4) : null;
      const dataCrc = fileFlags & 0x4 ? buf.readUInt32LE((pos += 4) - 4) : null;
      const compression = vint();
      const hostOs = vint();
      const nameLength = vint();
      const name = buf.subarray(pos, pos + nameLength).toString('utf8');
      pos += nameLength;
      const entry = { name, headerFlags, dataSize, fileFlags, unpackedSize, attributes };
      files.push({ ...entry, mtime, dataCrc, compression, hostOs });
    } else {
      vint();
    }
    assert.equal(pos, end, `header at ${start} has no trailing bytes`);
    pos = end + (dataSize ?? 0);
    if (type === 5) break;
  }
  assert.equal(pos, buf.length, 'nothing after the end-of-archive header');
  return { types, files };
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof LanspreadError, `expected a LanspreadError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

describe('encodeVint', () => {
  const cases: [number, number[]][] = [
    [0, [0x00]],
    [127, [0x7f]],
    [128, [0x80, 0x01]],
    [16383, [0xff, 0x7f]],
    [16384, [0x80, 0x80, 0x01]],
    [2 ** 32, [0x80, 0x80, 0x80, 0x80, 0x10]],
    [2 ** 40, [0x80, 0x80, 0x80, 0x80, 0x80, 0x20]],
  ];
  for (const [value, bytes] of cases) {
    test(`encodes ${value} in ${bytes.length} byte(s)`, () => {
      assert.deepEqual([...encodeVint(value)], bytes);
    });
  }

  test('refuses negative and unsafe numbers', () => {
    assert.throws(() => encodeVint(-1), LanspreadError);
    assert.throws(() => encodeVint(2 ** 53), LanspreadError);
    assert.throws(() => encodeVint(1.5), LanspreadError);
  });
});

describe('packDirectory', () => {
  let work: string;
  let source: string;
  let archive: string;
  let archiveBytes: Buffer;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'rar5-writer-'));
    source = path.join(work, 'source');
    for (const [name, contents] of Object.entries(TREE)) {
      const full = path.join(source, ...name.split('/'));
      if (contents === null) await mkdir(full, { recursive: true });
      else await writeFile(full, contents);
    }
    archive = path.join(work, 'game.eti');
    const result = await packDirectory(source, archive);
    archiveBytes = await readFile(archive);
    assert.deepEqual(result, { entries: Object.keys(TREE).length, bytes: archiveBytes.length });
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('writes well-formed headers: CRCs, minimal vints, stored, Unix modes, data size 0 for dirs and empty files', () => {
    const { types, files } = parseRar5(archiveBytes);
    assert.deepEqual(types, [1, ...files.map(() => 2), 5]);
    assert.deepEqual(
      files.map((f) => f.name),
      byteOrder(Object.keys(TREE)),
    );
    for (const file of files) {
      const contents = TREE[file.name];
      assert.ok(contents !== undefined);
      assert.equal(file.headerFlags, 0x0002, `${file.name}: data area flag`);
      assert.equal(file.compression, 0, `${file.name}: stored`);
      assert.equal(file.hostOs, 1, `${file.name}: Unix`);
      assert.ok(file.mtime !== null && file.mtime > 0, `${file.name}: mtime`);
      if (contents === null) {
        assert.equal(file.fileFlags, 0x1 | 0x2);
        assert.equal(file.dataSize, 0);
        assert.equal(file.unpackedSize, 0);
        assert.equal(file.attributes, 0o040755);
        assert.equal(file.dataCrc, null);
      } else {
        assert.equal(file.fileFlags, 0x2 | 0x4);
        assert.equal(file.dataSize, contents.length);
        assert.equal(file.unpackedSize, contents.length);
        assert.equal(file.attributes, 0o100644);
        assert.equal(file.dataCrc, crc32(contents));
      }
    }
  });

  test('node-unrar-js reads back every entry byte-identical, with its CRC, size and dir flag', async () => {
    const extractor = await createExtractorFromData({ data: asArrayBuffer(archiveBytes) });
    const listed = [...extractor.getFileList().fileHeaders];
    assert.deepEqual(
      listed.map((h) => h.name),
      byteOrder(Object.keys(TREE)),
    );
    const { files } = extractor.extract();
    const seen: string[] = [];
    for (const { fileHeader, extraction } of files) {
      const expected = TREE[fileHeader.name];
      assert.ok(expected !== undefined, `unexpected entry ${fileHeader.name}`);
      seen.push(fileHeader.name);
      assert.equal(fileHeader.flags.directory, expected === null, fileHeader.name);
      assert.equal(fileHeader.flags.encrypted, false);
      assert.equal(fileHeader.flags.solid, false);
      assert.equal(fileHeader.method, 'Storing');
      if (expected === null) {
        // node-unrar-js leaves the previous file's CRC in a directory's header: not checked.
        assert.equal(fileHeader.unpSize, 0);
        assert.equal(extraction, undefined);
      } else {
        assert.equal(fileHeader.unpSize, expected.length);
        assert.equal(fileHeader.packSize, expected.length);
        assert.equal(fileHeader.crc, crc32(expected));
        assert.ok(extraction, `${fileHeader.name} extracted`);
        assert.ok(Buffer.from(extraction).equals(expected), `${fileHeader.name} byte-identical`);
      }
    }
    assert.equal(seen.length, Object.keys(TREE).length);
  });

  test('node-unrar-js extracts the archive file to disk byte-identical', async () => {
    const target = path.join(work, 'unrar-js-out');
    await mkdir(target);
    const extractor = await createExtractorFromFile({ filepath: archive, targetPath: target });
    const names = [...extractor.extract().files].map((f) => f.fileHeader.name);
    assert.equal(names.length, Object.keys(TREE).length);
    for (const [name, contents] of Object.entries(TREE)) {
      if (contents === null) continue;
      const got = await readFile(path.join(target, ...name.split('/')));
      assert.ok(got.equals(contents), `${name} byte-identical`);
    }
  });

  test('bsdtar (libarchive) lists and extracts the archive identically', async (t) => {
    if (!hasBinary('bsdtar')) {
      t.skip(
        'bsdtar is not installed (apt-get install libarchive-tools); libarchive check skipped',
      );
      return;
    }
    const list = spawnSync('bsdtar', ['-tvf', archive], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    const lines = list.stdout.trim().split('\n');
    assert.equal(lines.length, Object.keys(TREE).length);
    for (const [name, contents] of Object.entries(TREE)) {
      const line = lines.find((l) => l.endsWith(` ${name}`));
      assert.ok(line, `bsdtar lists ${name}`);
      assert.ok(line.startsWith(contents === null ? 'drwxr-xr-x' : '-rw-r--r--'), line);
    }
    const target = path.join(work, 'bsdtar-out');
    await mkdir(target);
    const extract = spawnSync('bsdtar', ['-xf', archive, '-C', target], { encoding: 'utf8' });
    assert.equal(extract.status, 0, extract.stderr);
    for (const [name, contents] of Object.entries(TREE)) {
      const full = path.join(target, ...name.split('/'));
      if (contents === null) assert.ok(existsSync(full), `${name} created`);
      else assert.ok((await readFile(full)).equals(contents), `${name} byte-identical`);
    }
  });

  test('unrar tests the archive without errors', (t) => {
    if (!hasBinary('unrar')) {
      t.skip('the unrar binary is not installed; unrar check skipped');
      return;
    }
    const check = spawnSync('unrar', ['t', '-idq', archive], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });

  test('refuses a symlink, and writes nothing', async () => {
    const dir = path.join(work, 'with-link');
    await mkdir(dir);
    await writeFile(path.join(dir, 'real.txt'), 'x');
    await symlink('real.txt', path.join(dir, 'link.txt'));
    const out = path.join(work, 'with-link.eti');
    await rejectsWithCode(packDirectory(dir, out), 'archive-source-invalid');
    assert.equal(existsSync(out), false);
  });

  test('refuses names a Windows peer could not unpack, and writes nothing', async () => {
    const cases: [string, string[], RegExp][] = [
      ['device', ['sub/NUL.txt'], /"sub\/NUL\.txt" cannot be unpacked on Windows.*device name/],
      ['device-dir', ['CON/x'], /"CON" .*device name/],
      ['stream', ['game.exe:stream'], /character Windows forbids/],
      ['dot', ['a.txt', 'a.txt.'], /ends with a dot or a space/],
      ['space', ['a.txt '], /ends with a dot or a space/],
      ['case', ['straße.txt', 'STRASSE.TXT'], /STRASSE\.TXT and straße\.txt name the same file/],
      ['file-folder', ['readme', 'README/x'], /readme is a file, but README needs a folder/],
    ];
    for (const [label, files, why] of cases) {
      const dir = path.join(work, `unportable-${label}`);
      for (const file of files) {
        await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
        await writeFile(path.join(dir, file), 'x');
      }
      const out = path.join(work, `unportable-${label}.eti`);
      await assert.rejects(packDirectory(dir, out), (err: unknown) => {
        assert.ok(err instanceof LanspreadError, String(err));
        assert.equal(err.code, 'archive-source-invalid', label);
        assert.match(err.message, why, label);
        return true;
      });
      assert.equal(existsSync(out), false, label);
    }
  });

  test('refuses to write the archive inside the folder it packs', async () => {
    await rejectsWithCode(
      packDirectory(source, path.join(source, 'self.eti')),
      'archive-source-invalid',
    );
  });

  test('stops on an aborted signal and leaves no output', async () => {
    const out = path.join(work, 'aborted.eti');
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(packDirectory(source, out, { signal: controller.signal }), {
      name: 'AbortError',
    });
    assert.equal(existsSync(out), false);
  });
});

describe('writeStoredRar5', () => {
  let work: string;
  const mtime = new Date('2025-01-01T00:00:00Z');

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'rar5-writer-'));
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('in-memory entries give byte-identical archives on every run', async () => {
    const entries: Rar5SourceEntry[] = [
      { name: 'data', kind: 'dir', mtime },
      { name: 'data/x.bin', kind: 'file', mtime, source: { bytes: fixtureBytes('s', 'x', 3000) } },
      { name: 'empty.txt', kind: 'file', mtime, source: { bytes: new Uint8Array(0) } },
    ];
    await writeStoredRar5(path.join(work, 'one.eti'), entries);
    await writeStoredRar5(path.join(work, 'two.eti'), entries);
    const one = await readFile(path.join(work, 'one.eti'));
    assert.ok(one.equals(await readFile(path.join(work, 'two.eti'))));
    const { files } = parseRar5(one);
    assert.deepEqual(
      files.map((f) => [f.name, f.mtime, f.dataSize]),
      [
        ['data', mtime.getTime() / 1000, 0],
        ['data/x.bin', mtime.getTime() / 1000, 3000],
        ['empty.txt', mtime.getTime() / 1000, 0],
      ],
    );
  });

  test('a streamed file whose header straddles a flushed write boundary gets a valid header', async () => {
    // The writer stages 4 MiB at a time: place the second header across that boundary.
    const boundary = 4 * 1024 * 1024;
    const probeSize = boundary - 100;
    const first = (size: number): Rar5SourceEntry => ({
      name: 'first.bin',
      kind: 'file',
      mtime,
      source: { bytes: fixtureBytes('straddle', 'first', size) },
    });
    await writeStoredRar5(path.join(work, 'probe.eti'), [first(probeSize)]);
    const endOfFirst = (await readFile(path.join(work, 'probe.eti'))).length - 8;
    const firstSize = probeSize + (boundary - 10 - endOfFirst);
    const secondPath = path.join(work, 'second.bin');
    const second = fixtureBytes('straddle', 'second', 100);
    await writeFile(secondPath, second);
    const out = path.join(work, 'straddle.eti');
    await writeStoredRar5(out, [
      first(firstSize),
      { name: 'second.bin', kind: 'file', mtime, source: { path: secondPath } },
    ]);
    const bytes = await readFile(out);
    const { files } = parseRar5(bytes);
    assert.equal(files[1]?.dataCrc, crc32(second));
    const extractor = await createExtractorFromData({ data: asArrayBuffer(bytes) });
    const extracted = [...extractor.extract().files];
    assert.ok(Buffer.from(extracted[1]!.extraction!).equals(second));
  });

  test('rejects hostile entry names and writes nothing', async () => {
    const hostile = [
      '../evil',
      'a/../../evil',
      '/etc/passwd',
      'C:/x',
      'a//b',
      'a/',
      'a\\b',
      '',
      'a/./b',
      'nul\0x',
    ];
    for (const name of hostile) {
      const out = path.join(work, 'hostile.eti');
      const entry: Rar5SourceEntry = {
        name,
        kind: 'file',
        mtime,
        source: { bytes: Buffer.from('x') },
      };
      await rejectsWithCode(writeStoredRar5(out, [entry]), 'archive-source-invalid');
      assert.equal(existsSync(out), false, name);
    }
  });

  test('rejects duplicate names and a file used as a folder', async () => {
    const file = (name: string): Rar5SourceEntry => ({
      name,
      kind: 'file',
      mtime,
      source: { bytes: Buffer.from('x') },
    });
    await rejectsWithCode(
      writeStoredRar5(path.join(work, 'dup.eti'), [file('a'), file('a')]),
      'archive-source-invalid',
    );
    await rejectsWithCode(
      writeStoredRar5(path.join(work, 'dup.eti'), [file('a'), file('a/b')]),
      'archive-source-invalid',
    );
  });

  test('fails when a file changes size while it is read, and removes the partial output', async (t) => {
    // /proc files claim size 0 but yield bytes: a file that grows under the reader.
    if (!existsSync('/proc/self/status')) {
      t.skip('no /proc on this system');
      return;
    }
    const out = path.join(work, 'changed.eti');
    const entries: Rar5SourceEntry[] = [
      { name: 'status', kind: 'file', mtime, source: { path: '/proc/self/status' } },
    ];
    await rejectsWithCode(writeStoredRar5(out, entries), 'archive-source-invalid');
    assert.deepEqual(
      (await readdir(work)).filter((n) => n.startsWith('changed.eti')),
      [],
    );
  });

  test('fails cleanly on a missing source file', async () => {
    const out = path.join(work, 'missing.eti');
    const entries: Rar5SourceEntry[] = [
      { name: 'gone', kind: 'file', mtime, source: { path: path.join(work, 'does-not-exist') } },
    ];
    await rejectsWithCode(writeStoredRar5(out, entries), 'archive-source-invalid');
    assert.equal(existsSync(out), false);
  });
  test('links: symlink, hard link and file copy read back as rar writes them, and install through the embedded unrar', async () => {
    const text = Buffer.from('the file the links repeat\n');
    const entries: Rar5SourceEntry[] = [
      { name: 'bin', kind: 'dir', mtime },
      { name: 'bin/game.dat', kind: 'file', mtime, source: { bytes: text } },
      { name: 'bin/current', kind: 'symlink', mtime, target: 'game.dat' },
      { name: 'links', kind: 'dir', mtime },
      { name: 'links/up', kind: 'symlink', mtime, target: '../bin' },
      { name: 'hard.dat', kind: 'hardlink', mtime, target: 'bin/game.dat' },
      { name: 'copy.dat', kind: 'file-copy', mtime, target: 'bin/game.dat' },
    ];
    const root = path.join(work, 'links-root');
    await mkdir(root);
    await writeStoredRar5(path.join(root, 'links.eti'), entries);
    const listing = await readArchiveHeaders(path.join(root, 'links.eti'));
    assert.deepEqual(
      listing.entries.map((e) => [e.name, e.kind, e.linkTarget, e.unpackedSize, e.packedSize]),
      [
        ['bin', 'dir', null, 0, 0],
        ['bin/game.dat', 'file', null, text.length, text.length],
        ['bin/current', 'symlink', 'game.dat', 0, 0],
        ['links', 'dir', null, 0, 0],
        ['links/up', 'symlink', '../bin', 0, 0],
        // As rar: a hard link or copy carries the size of the file it repeats, and no data.
        ['hard.dat', 'hardlink', 'bin/game.dat', text.length, 0],
        ['copy.dat', 'file-copy', 'bin/game.dat', text.length, 0],
      ],
    );
    await installGame(root, embeddedUnrar, new AbortController().signal);
    const local = path.join(root, 'local');
    assert.equal(await readlink(path.join(local, 'bin/current')), 'game.dat');
    assert.equal(await readlink(path.join(local, 'links/up')), '../bin');
    for (const name of ['bin/game.dat', 'bin/current', 'links/up/game.dat', 'hard.dat', 'copy.dat'])
      assert.deepEqual(await readFile(path.join(local, name)), text, name);
  });

  test('links: refuses a hard link or copy of no earlier file, and a symlink to nothing', async () => {
    const out = path.join(work, 'bad-link.eti');
    const cases: Rar5SourceEntry[][] = [
      [{ name: 'h', kind: 'hardlink', mtime, target: 'later.txt' }],
      [
        { name: 'd', kind: 'dir', mtime },
        { name: 'c', kind: 'file-copy', mtime, target: 'd' },
      ],
      [{ name: 's', kind: 'symlink', mtime, target: '' }],
      [
        { name: 's', kind: 'symlink', mtime, target: 'x' },
        { name: 's/inside', kind: 'dir', mtime },
      ],
    ];
    for (const bad of cases) {
      await rejectsWithCode(writeStoredRar5(out, bad), 'archive-source-invalid');
      assert.equal(existsSync(out), false);
    }
  });
});
