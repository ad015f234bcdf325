import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createExtractorFromData } from 'node-unrar-js';
import { fixtureBytes } from '../support/fixture-games.js';
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
