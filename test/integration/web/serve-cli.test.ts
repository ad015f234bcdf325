import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { call } from './web-client.js';

const CLI = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));

/** `lanspread serve` on temp folders, loopback only; its stdout lines and exit code. */
async function startServe(
  root: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
  defaultGames = true,
) {
  assert.ok(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      ...(defaultGames ? ['--games', join(root, 'games')] : []),
      '--state',
      join(root, 'state'),
      '--listen',
      '127.0.0.1:0',
      '--no-mdns',
      // The share port stays on loopback unless a test says otherwise.
      ...(extra.some((arg) => arg.startsWith('--share') || arg === '--no-share')
        ? []
        : ['--share', '127.0.0.1:0']),
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  const exited = new Promise<number | null>((done) => {
    child.once('exit', (code) => {
      done(code);
    });
  });
  const out = { stderr: '', lines: [] as string[] };
  child.stderr.on('data', (chunk: Buffer) => {
    out.stderr += chunk.toString('utf8');
  });
  const reader = createInterface({ input: child.stdout });
  const stdoutClosed = new Promise((done) => reader.once('close', done));
  const firstLine = new Promise<string | null>((done) => {
    reader.on('line', (line) => {
      out.lines.push(line);
      done(line);
    });
    void exited.then(() => {
      done(null);
    });
  });
  return { child, exited, out, stdoutClosed, firstLine };
}

test('lanspread serve prints its UI line, answers the API and stops cleanly on SIGINT', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lanspread-serve-'));
  const state = join(root, 'state');
  const serve = await startServe(root, ['--ui', '127.0.0.1:0', '--log-level', 'info']);
  try {
    const first = await serve.firstLine;
    const match = /^lanspread UI: http:\/\/127\.0\.0\.1:(\d+)\/$/.exec(first ?? '');
    assert.ok(match?.[1] !== undefined, `${first}: ${serve.out.stderr}`);
    const port = Number(match[1]);

    const status = await call(port, 'GET', '/api/status');
    assert.equal(status.status, 200, status.text);
    const serveJson = JSON.parse(await readFile(join(state, 'serve.json'), 'utf8')) as {
      url: string;
      token: string;
      pid: number;
    };
    assert.equal(serveJson.url, `http://127.0.0.1:${port}/`);
    assert.equal(serveJson.pid, serve.child.pid);
    assert.match(serveJson.token, /^[0-9a-f]{64}$/);
    assert.equal((await stat(join(state, 'serve.json'))).mode & 0o777, 0o600);
    assert.equal((await readFile(join(state, 'ui-token'), 'utf8')).trim(), serveJson.token);
    // The peer's own log records reach GET /api/log (and stderr).
    const log = await call(port, 'GET', '/api/log');
    const messages = (log.json.result as { lines: { msg: string }[] }).lines.map((l) => l.msg);
    assert.ok(messages.includes('peer ready'), messages.join(' | '));
    assert.ok(messages.includes('web UI listening'), messages.join(' | '));
    assert.match(serve.out.stderr, /"msg":"peer ready"/);

    serve.child.kill('SIGINT');
    assert.equal(await serve.exited, 0, serve.out.stderr);
    assert.equal(existsSync(join(state, 'serve.json')), false);
    await serve.stdoutClosed;
    assert.deepEqual(serve.out.lines, [first], 'exactly one line on stdout');
  } finally {
    serve.child.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  }
});

test('--open hands the URL with its token to the system opener; SIGTERM stops too', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lanspread-serve-'));
  const bin = join(root, 'bin');
  await mkdir(bin);
  const opened = join(root, 'opened.txt');
  await writeFile(join(bin, 'xdg-open'), `#!/bin/sh\necho "$@" > '${opened}'\n`);
  await chmod(join(bin, 'xdg-open'), 0o755);
  const serve = await startServe(root, ['--ui', '127.0.0.1:0', '--open', '--log-level', 'warn'], {
    PATH: `${bin}:${process.env.PATH ?? ''}`,
  });
  try {
    const first = await serve.firstLine;
    assert.ok(first !== null, serve.out.stderr);
    const token = (await readFile(join(root, 'state', 'ui-token'), 'utf8')).trim();
    const deadline = Date.now() + 5000;
    while (!existsSync(opened) && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 20));
    }
    assert.equal(
      (await readFile(opened, 'utf8')).trim(),
      `${first.replace('lanspread UI: ', '')}?token=${token}`,
    );
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exited, 0, serve.out.stderr);
  } finally {
    serve.child.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  }
});

test('a --ui port that is taken stops serve with listen-failed and exit 1', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lanspread-serve-'));
  const blocker = createServer();
  await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
  const port = (blocker.address() as { port: number }).port;
  const serve = await startServe(root, ['--ui', `127.0.0.1:${port}`, '--log-level', 'warn']);
  try {
    assert.equal(await serve.exited, 1);
    assert.match(serve.out.stderr, /cannot start \(listen-failed\)/);
    assert.equal(existsSync(join(root, 'state', 'serve.json')), false);
    assert.deepEqual(serve.out.lines, []);
  } finally {
    serve.child.kill('SIGKILL');
    blocker.close();
    await rm(root, { recursive: true, force: true });
  }
});

test('a restart without --games uses the games folder saved in the settings', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lanspread-serve-'));
  const chosen = join(root, 'chosen-games');
  try {
    for (const extra of [['--games', chosen], []]) {
      const serve = await startServe(
        root,
        ['--ui', '127.0.0.1:0', '--log-level', 'warn', ...extra],
        {},
        false,
      );
      try {
        const first = await serve.firstLine;
        const port = Number(/:(\d+)\/$/.exec(first ?? '')?.[1]);
        const settings = await call(port, 'GET', '/api/settings');
        assert.equal((settings.json.result as { games_dir: string }).games_dir, chosen);
        serve.child.kill('SIGINT');
        assert.equal(await serve.exited, 0, serve.out.stderr);
      } finally {
        serve.child.kill('SIGKILL');
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

/** A serve on `root` comes up (prints its UI line) and ends cleanly on SIGINT. */
async function startsAndStops(root: string, args: string[]): Promise<void> {
  const serve = await startServe(root, args);
  try {
    assert.ok((await serve.firstLine) !== null, serve.out.stderr);
    serve.child.kill('SIGINT');
    assert.equal(await serve.exited, 0, serve.out.stderr);
  } finally {
    serve.child.kill('SIGKILL');
  }
}

test('a second serve on the same state folder is refused; a stale serve.json is not, nor one whose pid lives on without its UI', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lanspread-serve-'));
  const args = ['--ui', '127.0.0.1:0', '--log-level', 'warn'];
  const first = await startServe(root, args);
  try {
    assert.ok((await first.firstLine) !== null, first.out.stderr);
    const second = await startServe(root, args);
    assert.equal(await second.exited, 1);
    assert.match(
      second.out.stderr,
      new RegExp(`already running on .* \\(pid ${first.child.pid}\\)`),
    );
    assert.deepEqual(second.out.lines, []);
    // SIGKILL leaves serve.json behind; its pid is dead, so the next start goes ahead.
    first.child.kill('SIGKILL');
    await first.exited;
    assert.equal(existsSync(join(root, 'state', 'serve.json')), true);
    await startsAndStops(root, args);
    // After a reboot the recorded pid may belong to another live program: a UI that does not
    // answer means no serve runs there.
    await writeFile(
      join(root, 'state', 'serve.json'),
      JSON.stringify({ url: 'http://127.0.0.1:1/', token: 'x', pid: process.pid }),
    );
    await startsAndStops(root, args);
  } finally {
    first.child.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  }
});

/** The TCP ports process `pid` listens on, as the kernel says (`ss`). */
function listeningPorts(pid: number): number[] {
  const lines = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' }).split('\n');
  return lines
    .filter((line) => line.includes(`pid=${pid},`))
    .map((line) => Number(line.trim().split(/\s+/)[3]?.split(':').at(-1)))
    .sort((a, b) => a - b);
}

async function uiPort(serve: Awaited<ReturnType<typeof startServe>>): Promise<number> {
  const first = await serve.firstLine;
  const match = /:(\d+)\/$/.exec(first ?? '');
  assert.ok(match?.[1] !== undefined, `${first}: ${serve.out.stderr}`);
  return Number(match[1]);
}

test('serve shares the executables of --release-dir on its share port and names it in /api/share', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lanspread-serve-'));
  const release = join(root, 'release');
  await mkdir(release);
  await writeFile(join(release, 'lanspread-linux-x64'), 'elf bytes');
  const serve = await startServe(root, ['--share', '127.0.0.1:0', '--release-dir', release]);
  try {
    const port = await uiPort(serve);
    const share = (await call(port, 'GET', '/api/share')).json.result as {
      enabled: boolean;
      port: number;
      urls: string[];
      files: { name: string; size: number }[];
    };
    assert.equal(share.enabled, true);
    assert.deepEqual(share.urls, [`http://127.0.0.1:${share.port}/`]);
    assert.deepEqual(
      share.files.map((f) => [f.name, f.size]),
      [['lanspread-linux-x64', 9]],
    );
    const download = await fetch(`${share.urls[0]}download/lanspread-linux-x64`);
    assert.equal(await download.text(), 'elf bytes');
    assert.match(serve.out.stderr, /guests get lanspread at http:\/\/127\.0\.0\.1:\d+\//);
    assert.deepEqual(listeningPorts(serve.child.pid ?? 0).includes(share.port), true);
  } finally {
    serve.child.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  }
});

test('--no-share listens on nothing but the UI and the peer port', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lanspread-serve-'));
  const serve = await startServe(root, ['--no-share']);
  try {
    const port = await uiPort(serve);
    const status = (await call(port, 'GET', '/api/status')).json.result as { addr: string };
    const peerPort = Number(status.addr.split(':').at(-1));
    assert.deepEqual(
      listeningPorts(serve.child.pid ?? 0),
      [port, peerPort].sort((a, b) => a - b),
    );
    const share = (await call(port, 'GET', '/api/share')).json.result as { enabled: boolean };
    assert.equal(share.enabled, false);
  } finally {
    serve.child.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  }
});

test('a taken share port does not stop serve: a warning, and the reason in /api/share', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lanspread-serve-'));
  const blocker = createServer();
  await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
  const taken = (blocker.address() as { port: number }).port;
  const serve = await startServe(root, ['--share', `127.0.0.1:${taken}`]);
  try {
    const port = await uiPort(serve);
    const share = (await call(port, 'GET', '/api/share')).json.result as {
      enabled: boolean;
      port: number | null;
      error: string;
    };
    assert.deepEqual([share.enabled, share.port], [true, null]);
    assert.match(share.error, /EADDRINUSE/);
    assert.match(serve.out.stderr, /share page not served: port unavailable/);
    assert.equal((await call(port, 'GET', '/api/status')).status, 200);
  } finally {
    serve.child.kill('SIGKILL');
    blocker.close();
    await rm(root, { recursive: true, force: true });
  }
});
