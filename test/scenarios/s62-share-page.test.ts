import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ServeProcess } from '../e2e/serve-process.js';
import { createLan } from '../support/netns.js';
import { scenario } from './harness/lab.js';

const SHARE_PORT = 47631;

/** One raw HTTP request made by a node child inside `netns`; the body lands in `outFile`. */
function requestFrom(
  netns: string,
  host: string,
  port: number,
  path: string,
  outFile: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): { status: number; headers: Record<string, string> } {
  const script = `const [host, port, path, out, method, headers] = process.argv.slice(1);
    const req = require('node:http').request({ host, port: Number(port), path, method, headers: JSON.parse(headers) }, (res) => {
      res.pipe(require('node:fs').createWriteStream(out)).on('finish', () => {
        console.log(JSON.stringify({ status: res.statusCode, headers: res.headers }));
      });
    });
    req.on('error', (err) => { console.error(err.message); process.exit(1); });
    req.end();`;
  const output = execFileSync(
    'ip',
    [
      'netns',
      'exec',
      netns,
      process.execPath,
      '-e',
      script,
      host,
      String(port),
      path,
      outFile,
      opts.method ?? 'GET',
      JSON.stringify(opts.headers ?? {}),
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return JSON.parse(output) as { status: number; headers: Record<string, string> };
}

function sha256sum(file: string): string {
  return execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0] ?? '';
}

scenario('S62', 'lanspread spreads itself: the share page seen from another host', async (lab) => {
  const lan = createLan(2);
  let serve: ServeProcess | undefined;
  try {
    const [server, guest] = lan.hosts;
    assert.ok(server !== undefined && guest !== undefined);
    const release = join(lab.root, 'release');
    await mkdir(release);
    const files = {
      'lanspread-win-x64.exe': randomBytes(5 * 1024 * 1024 + 123),
      'lanspread-linux-x64': randomBytes(4 * 1024 * 1024 + 45),
    };
    for (const [name, bytes] of Object.entries(files)) await writeFile(join(release, name), bytes);
    await writeFile(join(release, 'notes.txt'), 'private');
    await mkdir(lab.gamesDir('host'), { recursive: true });
    serve = await ServeProcess.start({
      name: 'host',
      games: lab.gamesDir('host'),
      state: join(lab.root, 'host', 'state'),
      stderrFile: join(lab.root, 'host.stderr.log'),
      netns: server.netns,
      share: `0.0.0.0:${SHARE_PORT}`,
      extraArgs: ['--release-dir', release],
    });
    const out = join(lab.root, 'guest');
    await mkdir(out);
    const from = (path: string, file: string, opts?: Parameters<typeof requestFrom>[5]) =>
      requestFrom(guest.netns, server.address, SHARE_PORT, path, join(out, file), opts);

    const page = from('/', 'page.html');
    assert.equal(page.status, 200);
    const html = await readFile(join(out, 'page.html'), 'utf8');
    assert.match(html, /Get lanspread/);
    for (const [name, bytes] of Object.entries(files)) {
      assert.ok(html.includes(`href="/download/${name}"`), `page links ${name}`);
      assert.ok(html.includes(`(${bytes.length} bytes)`), `page gives the size of ${name}`);
      assert.ok(html.includes(sha256sum(join(release, name))), `page gives the SHA-256 of ${name}`);
    }

    for (const name of Object.keys(files)) {
      const got = from(`/download/${name}`, name);
      assert.equal(got.status, 200, name);
      assert.equal(got.headers['content-type'], 'application/octet-stream');
      assert.equal(sha256sum(join(out, name)), sha256sum(join(release, name)), name);
    }
    // A dropped download resumes where it stopped.
    const linux = files['lanspread-linux-x64'];
    const tail = from('/download/lanspread-linux-x64', 'tail', {
      headers: { Range: `bytes=${linux.length - 1000}-` },
    });
    assert.equal(tail.status, 206);
    assert.ok((await readFile(join(out, 'tail'))).equals(linux.subarray(linux.length - 1000)));

    const refused: string[] = [];
    for (const path of [
      '/api/status',
      '/api/share',
      '/api/events',
      '/download/notes.txt',
      '/download/../notes.txt',
      '/download/..%2Fnotes.txt',
      '/notes.txt',
      '/index.html',
    ]) {
      const got = from(path, 'refused');
      assert.equal(got.status, 404, path);
      refused.push(path);
    }
    assert.equal(from('/', 'post', { method: 'POST' }).status, 405);

    // The organiser's UI names the LAN address and has seen a guest.
    const uiPort = new URL(serve.url).port;
    requestFrom(server.netns, '127.0.0.1', Number(uiPort), '/api/share', join(out, 'share.json'));
    const share = (
      JSON.parse(await readFile(join(out, 'share.json'), 'utf8')) as {
        result: { urls: string[]; files: { name: string }[]; remote_requests: number };
      }
    ).result;
    assert.deepEqual(share.urls, [`http://${server.address}:${SHARE_PORT}/`]);
    assert.deepEqual(share.files.map((f) => f.name).sort(), Object.keys(files).sort());
    assert.ok(share.remote_requests >= 5, `remote_requests ${share.remote_requests}`);
    return `guest in ${guest.netns} got the page at http://${server.address}:${SHARE_PORT}/ listing both executables with sizes and SHA-256 as sha256sum says; both downloads byte-identical (${files['lanspread-win-x64.exe'].length} and ${linux.length} bytes); a Range resume answered 206; 404 for ${refused.join(', ')}; 405 for POST; /api/share names ${share.urls.join(' ')} and counts ${share.remote_requests} remote requests`;
  } finally {
    await serve?.stop();
    lan.destroy();
  }
});
