import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import { externalUnrar, readArchiveHeaders, type EntrySink } from '../../../src/archive/index.js';
import { archiveArgument } from '../../../src/archive/external-unrar.js';
import { LanspreadError } from '../../../src/errors.js';
import { installGame } from '../../../src/install/index.js';
import { corpusPath, requireCorpus } from '../../support/corpus.js';
import { writeFakeUnrar } from '../../support/fake-unrar.js';

interface Recorded {
  readonly name: string;
  readonly bytes: Buffer;
  readonly writes: number;
}

/** Records what a provider delivers and checks it follows begin/write…/end, one file at a time. */
class RecordingSink implements EntrySink {
  readonly files: Recorded[] = [];
  #current: { name: string; chunks: Buffer[] } | null = null;

  constructor(private readonly perWrite?: () => Promise<void>) {}

  async beginFile(name: string): Promise<void> {
    assert.equal(this.#current, null, `beginFile(${name}) inside another file`);
    this.#current = { name, chunks: [] };
  }

  async write(bytes: Buffer): Promise<void> {
    assert.ok(this.#current !== null, 'write outside a file');
    // A copy: the provider may reuse nothing, but the test should not depend on that.
    this.#current.chunks.push(Buffer.from(bytes));
    await this.perWrite?.();
  }

  async endFile(): Promise<void> {
    const current = this.#current;
    assert.ok(current !== null, 'endFile outside a file');
    this.files.push({
      name: current.name,
      bytes: Buffer.concat(current.chunks),
      writes: current.chunks.length,
    });
    this.#current = null;
  }

  summary(): [string, number, number][] {
    return this.files.map((f) => [f.name, f.bytes.length, crc32(f.bytes)]);
  }
}

const STORED: [string, number, number][] = [
  ['make_uue.tcl', 405, 0x49478adc],
  ['cebula.txt', 814, 0x7e5ec49e],
  ['test.bin', 1200, 0x7cca70cd],
];

/** The regular files of an archive as our own header parser lists them, in archive order. */
async function headerFiles(archive: string): Promise<[string, number, number][]> {
  const listing = await readArchiveHeaders(archive);
  return listing.entries
    .filter((e) => e.kind === 'file')
    .map((e) => [e.name, e.unpackedSize ?? -1, e.crc32 ?? -1]);
}

function isLanspreadError(code: string, messageIncludes?: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof LanspreadError, `expected a LanspreadError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (messageIncludes !== undefined)
      assert.ok(err.message.includes(messageIncludes), err.message);
    return true;
  };
}

/** Whether a process is gone (or only a zombie waiting for its reaper). */
function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  const stat = `/proc/${pid}/stat`;
  return existsSync(stat) && / Z /.test(readFileSync(stat, 'utf8'));
}

describe('externalUnrar (with a bsdtar-based fake unrar)', () => {
  let dir = '';
  let fake = '';
  const signal = new AbortController().signal;

  before(async () => {
    requireCorpus();
    const bsdtar = spawnSync('bsdtar', ['--version']);
    assert.equal(
      bsdtar.status,
      0,
      'bsdtar is missing: the fake unrar of this test needs it (apt-get install libarchive-tools)',
    );
    dir = await mkdtemp(path.join(tmpdir(), 'lanspread-external-unrar-'));
    fake = await writeFakeUnrar(dir, 'unrar');
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('extracts a RAR5 archive: names, bytes and order', async () => {
    const sink = new RecordingSink();
    const provider = externalUnrar(fake);
    assert.equal(provider.name, 'external');
    await provider.extract(corpusPath('rar5-stored.rar'), new Set(), sink, signal);
    assert.deepEqual(sink.summary(), STORED);
  });

  test('extracts a RAR4 archive with folders, spaces and non-ASCII names in archive order', async () => {
    const archive = corpusPath('rar4-stored-subdirs.rar');
    const sink = new RecordingSink();
    await externalUnrar(fake).extract(archive, new Set(), sink, signal);
    const expected = await headerFiles(archive);
    assert.equal(expected.length, 4);
    assert.deepEqual(sink.summary(), expected);
    assert.ok(sink.files.some((f) => f.name === 'sub/üȵĩöḋè/file.txt'));
    assert.ok(sink.files.some((f) => f.name === 'sub/with space/long fn.txt'));
  });

  test('does not deliver names in skip, and still cuts the stream right', async () => {
    const sink = new RecordingSink();
    await externalUnrar(fake).extract(
      corpusPath('rar5-stored.rar'),
      new Set(['cebula.txt']),
      sink,
      signal,
    );
    assert.deepEqual(sink.summary(), [STORED[0], STORED[2]]);
  });

  test('a slow sink still gets every byte (backpressure)', async () => {
    const archive = corpusPath('rar5-compressed-expands-40mib.rar');
    const sink = new RecordingSink(() => sleep(1));
    await externalUnrar(fake).extract(archive, new Set(), sink, signal);
    const [file] = sink.files;
    assert.ok(file !== undefined);
    assert.deepEqual(sink.summary(), await headerFiles(archive));
    assert.equal(file.bytes.length, 41_943_040);
    // Many bounded writes, not one buffered blob.
    assert.ok(file.writes > 100, `${file.writes} writes`);
  });

  test('unrar exit code 3 (CRC error) is archive-data-crc', async () => {
    const crcFake = await writeFakeUnrar(
      dir,
      'unrar-crc',
      '    bsdtar -xOf "$archive"\n    echo "cebula.txt - checksum error" >&2\n    exit 3',
    );
    await assert.rejects(
      externalUnrar(crcFake).extract(
        corpusPath('rar5-stored.rar'),
        new Set(),
        new RecordingSink(),
        signal,
      ),
      isLanspreadError('archive-data-crc', 'checksum error'),
    );
  });

  test('unrar exit code 11 (bad password) is archive-encrypted', async () => {
    const pwFake = await writeFakeUnrar(dir, 'unrar-pw', '    exit 11');
    await assert.rejects(
      externalUnrar(pwFake).extract(
        corpusPath('rar5-stored.rar'),
        new Set(),
        new RecordingSink(),
        signal,
      ),
      isLanspreadError('archive-encrypted'),
    );
  });

  test('output shorter than the listing fails even when unrar exits 0', async () => {
    const shortFake = await writeFakeUnrar(
      dir,
      'unrar-short',
      '    bsdtar -xOf "$archive" | head -c 1000',
    );
    await assert.rejects(
      externalUnrar(shortFake).extract(
        corpusPath('rar5-stored.rar'),
        new Set(),
        new RecordingSink(),
        signal,
      ),
      isLanspreadError('archive-data-crc'),
    );
  });

  test('a program that is not unrar (no technical listing) is archive-unreadable', async () => {
    const notUnrar = path.join(dir, 'not-unrar');
    await writeFile(notUnrar, '#!/bin/sh\necho hello\n');
    await chmod(notUnrar, 0o755);
    await assert.rejects(
      externalUnrar(notUnrar).extract(
        corpusPath('rar5-stored.rar'),
        new Set(),
        new RecordingSink(),
        signal,
      ),
      isLanspreadError('archive-unreadable', notUnrar),
    );
  });

  test('a missing unrar path is archive-unreadable naming the path', async () => {
    const missing = path.join(dir, 'no-such-unrar');
    await assert.rejects(
      externalUnrar(missing).extract(
        corpusPath('rar5-stored.rar'),
        new Set(),
        new RecordingSink(),
        signal,
      ),
      isLanspreadError('archive-unreadable', missing),
    );
  });

  test('a non-executable unrar path is archive-unreadable naming the path', async () => {
    const plain = path.join(dir, 'plain-file');
    await writeFile(plain, 'not a program\n');
    await chmod(plain, 0o644);
    await assert.rejects(
      externalUnrar(plain).extract(
        corpusPath('rar5-stored.rar'),
        new Set(),
        new RecordingSink(),
        signal,
      ),
      isLanspreadError('archive-unreadable', plain),
    );
  });

  test('abort kills a hanging unrar and its children and rejects promptly with the reason', async () => {
    const pidFile = path.join(dir, 'hang.pid');
    const childFile = path.join(dir, 'hang-child.pid');
    // The backgrounded sleep keeps the output pipe open after its parent dies, unless killed too.
    const hangFake = await writeFakeUnrar(
      dir,
      'unrar-hang',
      `    echo $$ > '${pidFile}'\n    sleep 30 &\n    echo $! > '${childFile}'\n    wait`,
    );
    const controller = new AbortController();
    const running = externalUnrar(hangFake).extract(
      corpusPath('rar5-stored.rar'),
      new Set(),
      new RecordingSink(),
      controller.signal,
    );
    const outcome = running.then(
      () => null,
      (err: unknown) => err,
    );
    for (let i = 0; i < 200 && !existsSync(childFile); i++) await sleep(25);
    await sleep(50);
    const pid = Number(await readFile(pidFile, 'utf8'));
    const childPid = Number(await readFile(childFile, 'utf8'));
    const reason = new Error('stop now');
    const started = Date.now();
    controller.abort(reason);
    const err = await outcome;
    assert.equal(err, reason);
    assert.ok(Date.now() - started < 2000, `rejected after ${Date.now() - started} ms`);
    assert.ok(processGone(pid), `the fake unrar ${pid} still runs`);
    for (let i = 0; i < 40 && !processGone(childPid); i++) await sleep(25);
    assert.ok(processGone(childPid), `its child ${childPid} still runs`);
  });

  test('an abort without an Error reason rejects with cancelled; an aborted signal runs nothing', async () => {
    const controller = new AbortController();
    controller.abort('just a string');
    await assert.rejects(
      externalUnrar(path.join(dir, 'never-run')).extract(
        corpusPath('rar5-stored.rar'),
        new Set(),
        new RecordingSink(),
        controller.signal,
      ),
      isLanspreadError('cancelled'),
    );
    const hangFake = await writeFakeUnrar(dir, 'unrar-hang2', '    exec sleep 30');
    const later = new AbortController();
    const running = externalUnrar(hangFake).extract(
      corpusPath('rar5-stored.rar'),
      new Set(),
      new RecordingSink(),
      later.signal,
    );
    setTimeout(() => {
      later.abort('no error object');
    }, 200);
    await assert.rejects(running, isLanspreadError('cancelled'));
  });

  test('installGame with the external provider installs rar5-stored.rar into local/', async () => {
    const root = await mkdtemp(path.join(dir, 'game-'));
    await copyFile(corpusPath('rar5-stored.rar'), path.join(root, 'game.eti'));
    const result = await installGame(root, externalUnrar(fake), signal);
    assert.equal(result.files, 3);
    for (const [name, size, crc] of STORED) {
      const bytes = await readFile(path.join(root, 'local', name));
      assert.equal(bytes.length, size, name);
      assert.equal(crc32(bytes), crc, name);
    }
  });
});

test('a Windows archive path past MAX_PATH goes to unrar with the \\\\?\\ prefix, others as they are', () => {
  const short = 'C:\\Users\\ana\\lanspread\\games\\cnc4\\game.eti';
  assert.equal(archiveArgument(short, 'win32'), short);
  const long = `C:\\Users\\ana\\lanspread\\games\\${'d'.repeat(240)}\\game.eti`;
  assert.equal(archiveArgument(long, 'win32'), `\\\\?\\${long}`);
  const share = `\\\\nas\\games\\${'d'.repeat(260)}\\game.eti`;
  assert.equal(
    archiveArgument(share, 'win32'),
    `\\\\?\\UNC\\nas\\games\\${'d'.repeat(260)}\\game.eti`,
  );
  const posix = `/home/ana/${'d'.repeat(300)}/game.eti`;
  assert.equal(archiveArgument(posix, 'linux'), posix);
});
