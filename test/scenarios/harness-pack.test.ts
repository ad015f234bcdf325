import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createExtractorFromData } from 'node-unrar-js';
import { fixtureBytes, sha256Manifest } from '../support/fixture-games.js';
import { CLI } from './harness/peer-process.js';
import { scenario } from './harness/lab.js';

scenario(
  'PACK',
  'lanspread pack writes an .eti that unrar reads back byte for byte',
  async (lab) => {
    const src = join(lab.root, 'game');
    await mkdir(join(src, 'bin'), { recursive: true });
    await mkdir(join(src, 'empty dir'), { recursive: true });
    const payload = fixtureBytes('pack', 'bin/game.bin', 3 * 1024 * 1024 + 17);
    await writeFile(join(src, 'bin', 'game.bin'), payload);
    await writeFile(join(src, 'readme é.txt'), 'hello\n');
    const out = join(lab.root, 'game.eti');
    const res = spawnSync(process.execPath, [CLI, 'pack', src, out], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /packed 4 entries/);
    const extractor = await createExtractorFromData({
      data: new Uint8Array(await readFile(out)).buffer,
    });
    const files = [...extractor.extract().files];
    const byName = new Map(files.map((f) => [f.fileHeader.name, f]));
    assert.deepEqual([...byName.keys()].sort(), [
      'bin',
      'bin/game.bin',
      'empty dir',
      'readme é.txt',
    ]);
    assert.ok(Buffer.from(byName.get('bin/game.bin')!.extraction!).equals(payload));
    assert.equal(Buffer.from(byName.get('readme é.txt')!.extraction!).toString(), 'hello\n');
    const missing = spawnSync(
      process.execPath,
      [CLI, 'pack', join(lab.root, 'nope'), join(lab.root, 'x.eti')],
      { encoding: 'utf8' },
    );
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /archive-source-invalid/);
    assert.equal(existsSync(join(lab.root, 'x.eti')), false);
    assert.equal(spawnSync(process.execPath, [CLI, 'pack'], { encoding: 'utf8' }).status, 2);
    return `4 entries packed; node-unrar-js reads ${payload.length} payload bytes back identical; missing folder -> exit 1 archive-source-invalid, no output; no args -> exit 2`;
  },
);

scenario(
  'PACK-ROUNDTRIP',
  'pack, then install through a peer, gives back the identical tree (a file over 4 GiB included)',
  async (lab) => {
    const src = join(lab.root, 'src');
    await mkdir(join(src, 'a', 'b', 'c'), { recursive: true });
    await mkdir(join(src, 'leer ☃ dir'), { recursive: true });
    await writeFile(join(src, 'a', 'b', 'c', 'deep.bin'), fixtureBytes('rt', 'deep', 70_000));
    await writeFile(join(src, 'ünïcødé 名前.txt'), 'unicode name\n');
    await writeFile(join(src, 'a', 'empty.txt'), '');
    // Past 4 GiB, so sizes and offsets need more than 32 bits; sparse, but packed as real bytes.
    const huge = join(src, 'a', 'huge.bin');
    const hugeSize = 4 * 1024 ** 3 + 12345;
    const fh = await open(huge, 'w');
    await fh.write(Buffer.from('head'), 0, 4, 0);
    await fh.write(Buffer.from('tail'), 0, 4, hugeSize - 4);
    await fh.close();
    const root = join(lab.gamesDir('client'), 'cnc4');
    await mkdir(root, { recursive: true });
    const res = spawnSync(process.execPath, [CLI, 'pack', src, join(root, 'cnc4.eti')], {
      encoding: 'utf8',
    });
    assert.equal(res.status, 0, res.stderr);
    await writeFile(join(root, 'version.ini'), '20250101\n');
    const client = await lab.start('client');
    await client.cmd('install', { game: 'cnc4' }, 600_000);
    const local = join(root, 'local');
    const want = await sha256Manifest(src, { exclude: [] });
    const got = await sha256Manifest(local, { exclude: [] });
    assert.deepEqual(got, want);
    assert.equal((await stat(join(local, 'a', 'huge.bin'))).size, hugeSize);
    assert.ok((await stat(join(local, 'leer ☃ dir'))).isDirectory(), 'the empty dir is there');
    await rm(src, { recursive: true });
    return `${Object.keys(want).length} files (nested, unicode, empty, ${hugeSize} bytes) installed identical by SHA-256; empty dir kept`;
  },
);
