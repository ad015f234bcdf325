import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startShareServer, type ShareServer } from '../../../src/web/index.js';
import { recordingLogger } from '../../support/recording-logger.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One raw request: the path goes out exactly as written (no URL normalisation). */
function fetchRaw(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const WIN = 'lanspread-win-x64.exe';
const LINUX = 'lanspread-linux-x64';
let dir: string;
let win: Buffer;
let linux: Buffer;
let share: ShareServer;
let port: number;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lanspread-share-'));
  win = randomBytes(3 * 1024 * 1024 + 17);
  linux = randomBytes(2 * 1024 * 1024 + 5);
  await writeFile(join(dir, WIN), win);
  await writeFile(join(dir, LINUX), linux);
  await writeFile(join(dir, 'secret.txt'), 'not for guests');
  share = await startShareServer({
    host: '127.0.0.1',
    port: 0,
    releaseDir: dir,
    log: recordingLogger(),
  });
  port = (await share.info()).port ?? 0;
});

after(async () => {
  await share.close();
  await rm(dir, { recursive: true, force: true });
});

/** `sha256sum`'s word for each file, not ours. */
function sha256sum(file: string): string {
  return execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0] ?? '';
}

test('the page lists both executables with their sizes and the SHA-256 sha256sum computes', async () => {
  const page = await fetchRaw(port, 'GET', '/');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  const html = page.body.toString('utf8');
  assert.match(html, /Get lanspread/);
  assert.match(html, /Run anyway/);
  assert.match(html, /chmod \+x/);
  for (const [name, bytes] of [
    [WIN, win],
    [LINUX, linux],
  ] as const) {
    assert.ok(html.includes(`href="/download/${name}"`), name);
    assert.ok(html.includes(`(${bytes.length} bytes)`), `${name} size`);
    assert.ok(html.includes(sha256sum(join(dir, name))), `${name} SHA-256`);
  }
  assert.ok(!html.includes('secret.txt'));
  const info = await share.info();
  assert.deepEqual(
    info.files.map((f) => [f.name, f.size, f.sha256]),
    [
      [WIN, win.length, sha256sum(join(dir, WIN))],
      [LINUX, linux.length, sha256sum(join(dir, LINUX))],
    ],
  );
  assert.deepEqual(info.urls, [`http://127.0.0.1:${port}/`]);
  assert.equal(info.remote_requests, 0, 'loopback requests prove nothing about the LAN');
});

test('downloads are byte-identical, with length, type and disposition', async () => {
  for (const [name, bytes] of [
    [WIN, win],
    [LINUX, linux],
  ] as const) {
    const got = await fetchRaw(port, 'GET', `/download/${name}`);
    assert.equal(got.status, 200);
    assert.equal(got.headers['content-length'], String(bytes.length));
    assert.equal(got.headers['content-type'], 'application/octet-stream');
    assert.equal(got.headers['content-disposition'], `attachment; filename="${name}"`);
    assert.equal(got.headers['accept-ranges'], 'bytes');
    assert.ok(got.body.equals(bytes), `${name} differs`);
  }
});

test('single ranges answer 206 with Content-Range; impossible ones 416; HEAD sends no body', async () => {
  const size = win.length;
  const cases: [string, number, number][] = [
    ['bytes=0-99', 0, 99],
    ['bytes=1000-', 1000, size - 1],
    ['bytes=-500', size - 500, size - 1],
    ['bytes=10-99999999', 10, size - 1],
  ];
  for (const [range, start, end] of cases) {
    const got = await fetchRaw(port, 'GET', `/download/${WIN}`, { Range: range });
    assert.equal(got.status, 206, range);
    assert.equal(got.headers['content-range'], `bytes ${start}-${end}/${size}`, range);
    assert.equal(got.headers['content-length'], String(end - start + 1), range);
    assert.ok(got.body.equals(win.subarray(start, end + 1)), range);
  }
  for (const range of [`bytes=${size}-`, 'bytes=-0']) {
    const got = await fetchRaw(port, 'GET', `/download/${WIN}`, { Range: range });
    assert.equal(got.status, 416, range);
    assert.equal(got.headers['content-range'], `bytes */${size}`, range);
  }
  // Several ranges are not offered: the whole file.
  const multi = await fetchRaw(port, 'GET', `/download/${WIN}`, { Range: 'bytes=0-1,5-6' });
  assert.equal(multi.status, 200);
  assert.ok(multi.body.equals(win));
  // A range against an older copy of the file starts over.
  const stale = await fetchRaw(port, 'GET', `/download/${WIN}`, {
    Range: 'bytes=0-9',
    'If-Range': '"stale"',
  });
  assert.equal(stale.status, 200);
  const etag = String(stale.headers.etag);
  const resumed = await fetchRaw(port, 'GET', `/download/${WIN}`, {
    Range: 'bytes=0-9',
    'If-Range': etag,
  });
  assert.equal(resumed.status, 206);

  const head = await fetchRaw(port, 'HEAD', `/download/${LINUX}`);
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String(linux.length));
  assert.equal(head.body.length, 0);
  const headRange = await fetchRaw(port, 'HEAD', `/download/${LINUX}`, { Range: 'bytes=-10' });
  assert.equal(headRange.status, 206);
  assert.equal(headRange.headers['content-length'], '10');
});

test('nothing else is answered: 404 for every other path, 405 for other methods', async () => {
  for (const path of [
    '/api/status',
    '/api/share',
    '/download/secret.txt',
    '/download/',
    '/download',
    `/download/${WIN}/`,
    '/download/../secret.txt',
    '/download/..%2fsecret.txt',
    '/download/%2e%2e/secret.txt',
    `/download/./${WIN}x`,
    '/index.html',
    '/secret.txt',
    '//etc/passwd',
  ]) {
    const got = await fetchRaw(port, 'GET', path);
    assert.equal(got.status, 404, path);
    assert.ok(!got.body.includes('not for guests'), path);
  }
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
    const got = await fetchRaw(port, method, '/');
    assert.equal(got.status, 405, method);
    assert.equal(got.headers.allow, 'GET, HEAD');
  }
});

test('a folder without executables still answers 200 and says so', async () => {
  const empty = await mkdtemp(join(tmpdir(), 'lanspread-share-empty-'));
  const server = await startShareServer({
    host: '127.0.0.1',
    port: 0,
    releaseDir: join(empty, 'missing'),
    log: recordingLogger(),
  });
  try {
    const page = await fetchRaw((await server.info()).port ?? 0, 'GET', '/');
    assert.equal(page.status, 200);
    assert.match(page.body.toString('utf8'), /no executables to hand out.*npm run dist/);
    assert.deepEqual((await server.info()).files, []);
  } finally {
    await server.close();
    await rm(empty, { recursive: true, force: true });
  }
});

test('a taken port is a warning and an error in the info, not a failure', async () => {
  const blocker = createServer();
  await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
  const taken = (blocker.address() as { port: number }).port;
  const log = recordingLogger();
  try {
    const server = await startShareServer({ host: '127.0.0.1', port: taken, releaseDir: dir, log });
    const info = await server.info();
    assert.equal(info.port, null);
    assert.match(info.error ?? '', new RegExp(`127\\.0\\.0\\.1:${taken}.*EADDRINUSE`));
    assert.ok(log.lines.some((line) => line.level === 'warn'));
    await server.close();
  } finally {
    blocker.close();
  }
});
