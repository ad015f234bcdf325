import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { call } from './web-client.js';

const CLI = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));

test('lanspread serve prints its UI line, answers the API and stops cleanly on SIGINT', async () => {
  assert.ok(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
  const root = await mkdtemp(join(tmpdir(), 'lanspread-serve-'));
  const state = join(root, 'state');
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--games',
      join(root, 'games'),
      '--state',
      state,
      '--ui',
      '127.0.0.1:0',
      '--listen',
      '127.0.0.1:0',
      '--no-mdns',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((done) =>
    child.once('exit', (code) => {
      done(code);
    }),
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  try {
    const lines: string[] = [];
    const reader = createInterface({ input: child.stdout });
    const stdoutClosed = new Promise((done) => reader.once('close', done));
    const first = await new Promise<string>((done, fail) => {
      reader.on('line', (line) => {
        lines.push(line);
        done(line);
      });
      void exited.then((code) => {
        fail(new Error(`serve exited ${code}: ${stderr}`));
      });
    });
    const match = /^lanspread UI: http:\/\/127\.0\.0\.1:(\d+)\/$/.exec(first);
    assert.ok(match?.[1] !== undefined, first);
    const port = Number(match[1]);

    const status = await call(port, 'GET', '/api/status');
    assert.equal(status.status, 200, status.text);
    const serveJson = JSON.parse(await readFile(join(state, 'serve.json'), 'utf8')) as {
      url: string;
      token: string;
      pid: number;
    };
    assert.equal(serveJson.url, `http://127.0.0.1:${port}/`);
    assert.equal(serveJson.pid, child.pid);
    assert.match(serveJson.token, /^[0-9a-f]{64}$/);
    assert.equal((await stat(join(state, 'serve.json'))).mode & 0o777, 0o600);
    assert.equal((await readFile(join(state, 'ui-token'), 'utf8')).trim(), serveJson.token);

    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    assert.equal(existsSync(join(state, 'serve.json')), false);
    await stdoutClosed;
    assert.deepEqual(lines, [first], 'exactly one line on stdout');
  } finally {
    child.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  }
});
