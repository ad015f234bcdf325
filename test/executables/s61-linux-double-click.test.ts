/**
 * S61 (Linux): the executable double-clicked — no arguments, nothing in the environment but HOME —
 * on a host of its own LAN: it serves the library UI (embedded in it) on loopback and hands itself
 * out on the share port to another host, byte for byte.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLan } from '../support/netns.js';

const EXE = fileURLToPath(new URL('../../release/lanspread-linux-x64', import.meta.url));

/** `curl` run on a host of the LAN; the body as bytes. */
function curlOn(netns: string, url: string): Buffer {
  const res = spawnSync('ip', ['netns', 'exec', netns, 'curl', '-sfS', '--max-time', '60', url], {
    maxBuffer: 512 * 1024 * 1024,
  });
  assert.equal(res.status, 0, `curl ${url} on ${netns}: ${res.stderr.toString()}`);
  return res.stdout;
}

test(
  'S61 the Linux executable run with no arguments serves the library and hands itself out',
  { timeout: 120_000 },
  async () => {
    assert.ok(existsSync(EXE), `${EXE} is missing: run \`npm run dist\` first`);
    const home = await mkdtemp(join(tmpdir(), 'lanspread-S61-home-'));
    const lan = createLan(2);
    const [organiser, guest] = lan.hosts;
    assert.ok(organiser !== undefined && guest !== undefined);
    const child = spawn(
      'ip',
      ['netns', 'exec', organiser.netns, 'env', '-i', `HOME=${home}`, EXE],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', done));
    try {
      const lines = createInterface({ input: child.stdout });
      let url: string | undefined;
      for await (const line of lines) {
        url = /^lanspread UI: (\S+)$/.exec(line)?.[1];
        if (url !== undefined) break;
      }
      assert.ok(url !== undefined, `no UI line; stderr:\n${stderr}`);
      const page = curlOn(organiser.netns, url).toString();
      assert.match(page, /<div id="root">/, 'the embedded UI page');
      const script = /src="(?:\.\/|\/)?(assets\/[^"]+\.js)"/.exec(page)?.[1];
      assert.ok(script !== undefined, page);
      assert.ok(curlOn(organiser.netns, new URL(script, url).href).length > 10_000, 'its script');
      const status = JSON.parse(
        curlOn(organiser.netns, new URL('api/status', url).href).toString(),
      ) as {
        result: { peer_id: string };
      };
      assert.match(status.result.peer_id, /^[0-9a-f]{64}$/);
      assert.ok(existsSync(join(home, 'lanspread', 'games')), 'the default games folder');

      const share = `http://${organiser.address}:47631/`;
      const sharePage = curlOn(guest.netns, share).toString();
      assert.match(sharePage, /lanspread-linux-x64/);
      const download = curlOn(guest.netns, `${share}download/lanspread-linux-x64`);
      const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
      assert.equal(sha(download), sha(readFileSync(EXE)), 'the guest got this very executable');
      assert.match(sharePage, new RegExp(sha(download)));
      console.log(
        `PASS S61 Linux executable double-clicked — UI ${url} (embedded page and script), status ${status.result.peer_id.slice(0, 12)}…; ${guest.address} downloaded it from ${share} (${download.length} bytes, SHA-256 as listed)`,
      );
    } finally {
      child.kill('SIGINT');
      await exited;
      lan.destroy();
      await rm(home, { recursive: true, force: true });
    }
  },
);
