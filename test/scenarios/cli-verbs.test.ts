/** The human verbs as child processes (no TTY) against two real `lanspread serve` processes. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ApiClient } from '../../src/cli/api-client.js';
import { bigGame, smallGame, SMALL_CHUNKS } from './harness/fixtures.js';
import { scenario, type Lab } from './harness/lab.js';
import { CLI } from './harness/peer-process.js';

interface Serve {
  child: ChildProcessWithoutNullStreams;
  state: string;
  api: ApiClient;
  exited: Promise<number | null>;
}

/** `lanspread serve` on the lab's folders, loopback only; ready once its UI line is printed. */
async function startServe(lab: Lab, name: string, running: Serve[]): Promise<Serve> {
  const state = join(lab.root, name, 'state');
  await mkdir(lab.gamesDir(name), { recursive: true });
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--games',
      lab.gamesDir(name),
      '--state',
      state,
      '--name',
      name,
      '--ui',
      '127.0.0.1:0',
      '--listen',
      '127.0.0.1:0',
      '--no-mdns',
      '--share',
      '127.0.0.1:0',
      ...SMALL_CHUNKS,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((done) => child.once('exit', done));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const first = await new Promise<string | null>((done) => {
    createInterface({ input: child.stdout }).once('line', done);
    void exited.then(() => {
      done(null);
    });
  });
  assert.match(first ?? '', /^lanspread UI: http:\/\/127\.0\.0\.1:\d+\/$/, stderr);
  const serve: Serve = { child, state, api: await ApiClient.forState(state), exited };
  running.push(serve);
  return serve;
}

interface VerbRun {
  child: ChildProcessWithoutNullStreams;
  stdout: string[];
  stderr: string;
  /** Resolves when a stdout line matches. */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>;
  done: Promise<number | null>;
}

function startVerb(args: string[]): VerbRun {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const run: VerbRun = {
    child,
    stdout: [],
    stderr: '',
    line: (pattern, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(`no line like ${pattern} in ${timeoutMs} ms: ${run.stdout.join(' | ')}`),
          );
        }, timeoutMs);
        const check = (): void => {
          const found = run.stdout.find((l) => pattern.test(l));
          if (found === undefined) return;
          clearTimeout(timer);
          reader.off('line', check);
          resolve(found);
        };
        reader.on('line', check);
        check();
      }),
    done: new Promise((done) => child.once('exit', done)),
  };
  const reader = createInterface({ input: child.stdout });
  reader.on('line', (l) => run.stdout.push(l));
  child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString('utf8')));
  return run;
}

async function verb(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const run = startVerb(args);
  const code = await run.done;
  return { code, out: run.stdout.join('\n'), err: run.stderr };
}

scenario(
  'CLI-VERBS',
  'games, download, play, cancel, Ctrl-C and unknown games through the human verbs',
  async (lab) => {
    const running: Serve[] = [];
    try {
      // No serve for this state folder: one line saying what to do, exit 3.
      const none = await verb(['games', '--state', join(lab.root, 'nobody')]);
      assert.equal(none.code, 3, none.err);
      assert.match(none.err, /no lanspread serve is running.*start it with: lanspread serve\n$/);

      // 256 MiB: the source is frozen (SIGSTOP) once the download began, long before it ends.
      await lab.games('source', [bigGame('cnc4', 256, { files: 4 }), smallGame('ggoo')]);
      const source = await startServe(lab, 'source', running);
      const client = await startServe(lab, 'client', running);
      const status = await source.api.get('api/status');
      assert.ok(status.ok);
      const connected = await client.api.command('connect', {
        addr: (status.result as { addr: string }).addr,
      });
      assert.ok(connected.ok, JSON.stringify(connected));
      const state = ['--state', client.state];

      let games = await verb(['games', ...state]);
      for (let i = 0; !/^cnc4 .* on 1 peer$/m.test(games.out); i++) {
        assert.ok(i < 50, `the remote games never showed: ${games.out}`);
        await new Promise((r) => setTimeout(r, 100));
        games = await verb(['games', ...state]);
      }
      assert.equal(games.code, 0);
      assert.match(games.out, /^ID +NAME +SIZE +STATE$/m);
      assert.match(games.out, /^ggoo +Goo-Goo Galaxy +\d.* on 1 peer$/m);
      // Catalog games nobody has are listed too, as in the web UI.
      assert.match(games.out, / no source$/m);
      const json = await verb(['games', ...state, '--json']);
      const raw = JSON.parse(json.out) as { ok: boolean; result: { remote: { id: string }[] } };
      assert.deepEqual(
        raw.result.remote.map((r) => r.id),
        ['cnc4', 'ggoo'],
      );

      const download = await verb(['download', 'ggoo', ...state]);
      assert.equal(download.code, 0, download.err);
      assert.match(download.out, /^ggoo: downloading .* from 1 peer$/m);
      assert.match(download.out, /^ggoo: downloaded .* in \d+:\d\d/m);
      assert.match(download.out, /^ggoo: installed$/m);
      assert.ok(existsSync(join(lab.gamesDir('client'), 'ggoo', 'local')), 'ggoo is installed');
      assert.ok(
        !download.out.includes('\r') && !download.out.includes('\u001b'),
        'no terminal codes into a pipe',
      );

      // ggoo ships no launch script: the settings are stamped, but nothing started is a failure.
      const play = await verb(['play', 'ggoo', ...state, '--name', 'Ada']);
      assert.equal(play.code, 1, play.err);
      assert.match(play.err, /^ggoo: play failed: no-launcher: .*no game_start\.sh in /);
      assert.ok(existsSync(join(lab.gamesDir('client'), 'ggoo', 'launch_settings_applied')));
      const server = await verb(['server', 'ggoo', ...state]);
      assert.equal(server.code, 1, server.err);
      assert.match(server.err, /^ggoo: server failed: no-launcher: .*no server_start\.sh in /);
      assert.match((await verb(['games', ...state])).out, /^ggoo .* installed$/m);

      const unknown = await verb(['download', 'nope', ...state]);
      assert.equal(unknown.code, 1);
      assert.match(unknown.err, /unknown-game/);
      const usage = await verb(['download', ...state]);
      assert.equal(usage.code, 2);

      // `lanspread limits` sets the caps (issue 19) and shows them; a bad cap is a usage error.
      const capped = await verb(['limits', ...state, '--upload', '8', '--playing', 'on']);
      assert.equal(capped.code, 0, capped.err);
      assert.match(capped.out, /^upload: +8 MiB\/s \(now 2 MiB\/s: playing\)$/m);
      assert.match(capped.out, /^download: off$/m);
      assert.match(capped.out, /^playing: +on, turned on by hand /m);
      const lifted = await verb(['limits', ...state, '--upload', 'off', '--playing', 'off']);
      assert.match(lifted.out, /^upload: +off$/m);
      assert.match((await verb(['limits', ...state])).out, /^playing: +off /m);
      assert.equal((await verb(['limits', ...state, '--upload', '0'])).code, 2);

      // `lanspread cancel` from another terminal stops a running download.
      const running1 = startVerb(['download', 'cnc4', ...state]);
      await running1.line(/^cnc4: downloading 256 MiB from 1 peer$/);
      source.child.kill('SIGSTOP');
      const progressLine = await running1.line(/^cnc4: \d+% \(.* of 256 MiB\)/, 10_000);
      const cancel = await verb(['cancel', 'cnc4', ...state]);
      assert.equal(cancel.code, 0, cancel.err);
      assert.equal(cancel.out, 'cnc4: cancelled');
      const cancelledCode = await running1.done;
      source.child.kill('SIGCONT');
      assert.equal(cancelledCode, 1, running1.stderr);
      assert.match(running1.stdout.join('\n'), /^cnc4: cancelled$/m);

      // Ctrl-C during a download cancels it on the peer and exits 130.
      const running2 = startVerb(['download', 'cnc4', ...state]);
      await running2.line(/^cnc4: downloading 256 MiB from 1 peer$/);
      source.child.kill('SIGSTOP');
      running2.child.kill('SIGINT');
      const interruptedCode = await running2.done;
      source.child.kill('SIGCONT');
      assert.equal(interruptedCode, 130, running2.stderr);
      const out2 = running2.stdout.join('\n');
      assert.match(out2, /^cnc4: cancelling/m);
      assert.match(out2, /^cnc4: cancelled$/m);
      const after = await client.api.get('api/status');
      assert.ok(after.ok);
      assert.deepEqual((after.result as { active_operations: unknown[] }).active_operations, []);
      assert.equal(existsSync(join(lab.gamesDir('client'), 'cnc4', 'version.ini')), false);

      return `no serve -> exit 3; games lists cnc4 and ggoo on 1 peer; download ggoo exit 0 (${download.out.split('\n').length} lines); play exit 1 no-launcher (stamped), server exit 1 no-launcher; nope -> exit 1 unknown-game; cancel stopped cnc4 after "${progressLine}" (exit 1); Ctrl-C -> exit 130, nothing left running`;
    } finally {
      for (const serve of running) {
        serve.child.kill('SIGCONT');
        serve.child.kill('SIGKILL');
      }
      await Promise.all(running.map((s) => s.exited));
    }
  },
);

scenario(
  'CLI-PEERS-NAME',
  'a peer named with escape sequences and bidi overrides is listed inert by lanspread peers',
  async (lab) => {
    const running: Serve[] = [];
    try {
      const client = await startServe(lab, 'client', running);
      // Clears the screen, retitles the window, reverses the rest, and an 8-bit CSI.
      const hostile = '\u001b[2J\u001b]0;owned\u0007Eve\u202Etxt.exe\u009b31m';
      const eve = await lab.start('eve', { extraArgs: ['--name', hostile] });
      const connected = await client.api.command('connect', { addr: eve.addr });
      assert.ok(connected.ok, JSON.stringify(connected));
      const state = ['--state', client.state];
      const shown = '[2J]0;ownedEvetxt.exe31m';
      let peers = await verb(['peers', ...state]);
      for (let i = 0; !peers.out.includes(eve.addr); i++) {
        assert.ok(i < 50, `eve never showed: ${peers.out}`);
        await new Promise((r) => setTimeout(r, 100));
        peers = await verb(['peers', ...state]);
      }
      assert.equal(peers.code, 0, peers.err);
      // eslint-disable-next-line no-control-regex -- control characters are what it looks for
      const unsafe = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
      assert.equal(unsafe.test(peers.out), false, JSON.stringify(peers.out));
      assert.match(
        peers.out,
        new RegExp(`^${escapeRegExp(shown)} +${escapeRegExp(eve.addr)} `, 'm'),
      );
      const json = await verb(['peers', ...state, '--json']);
      assert.equal(unsafe.test(json.out), false, JSON.stringify(json.out));
      const rows = (JSON.parse(json.out) as { result: { name: string }[] }).result;
      assert.deepEqual(
        rows.map((r) => r.name),
        [shown],
        'the name was cleaned where it came in',
      );
      return `hello name with ESC [2J, an OSC title, BEL, U+202E and U+009B -> peers lists ${JSON.stringify(shown)}, no control or bidi character in the table or in --json`;
    } finally {
      for (const serve of running) serve.child.kill('SIGKILL');
      await Promise.all(running.map((s) => s.exited));
    }
  },
);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
