/**
 * S61 (Windows): the Windows executable under Wine is a whole peer: it serves its UI and API,
 * downloads a game from the Linux executable over loopback, installs it and plays it, and the
 * Linux executable downloads and installs a game from it in turn.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { writeStoredRar5 } from '../../src/archive/index.js';
import { smallGame } from '../scenarios/harness/fixtures.js';
import { PeerProcess } from '../scenarios/harness/peer-process.js';
import { corpusPath } from '../support/corpus.js';
import { writeFixtureGame } from '../support/fixture-games.js';
import { WIN_EXE, prepareWinePrefix, startUnderWine, stopWine, winPath } from './wine.js';

const GAME = 'css';
/** A game whose archive is compressed (the corpus's, made by WinRAR): WASM unrar installs it. */
const COMPRESSED_GAME = 'cod5';
/** The game the Windows peer offers the Linux one. */
const WINDOWS_GAME = 'ggoo';
const LINUX_EXE = fileURLToPath(new URL('../../release/lanspread-linux-x64', import.meta.url));
const MTIME = new Date('2025-01-01T00:00:00Z');

/** Polls `probe` until it returns a value, or fails after `ms` naming `what`. */
async function waitFor<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(250);
  }
}

/** A catalog game whose archive ships a Windows launcher that records its arguments. */
async function writeGameWithLauncher(gamesDir: string): Promise<Buffer> {
  const root = join(gamesDir, GAME);
  await mkdir(root, { recursive: true });
  const payload = Buffer.alloc(3 * 1024 * 1024, 7);
  await writeStoredRar5(join(root, `${GAME}.eti`), [
    { name: 'bin', kind: 'dir', mtime: MTIME },
    { name: 'bin/game.dat', kind: 'file', mtime: MTIME, source: { bytes: payload } },
    {
      name: 'game_start.cmd',
      kind: 'file',
      mtime: MTIME,
      // %~dp0 is the script's folder (local\); every argument, one per line.
      source: {
        bytes: Buffer.from(
          '@echo off\r\n' +
            '>"%~dp0started.txt" echo 1=%1\r\n' +
            '>>"%~dp0started.txt" echo 2=%2\r\n' +
            '>>"%~dp0started.txt" echo 3=%3\r\n' +
            '>>"%~dp0started.txt" echo 4=%4\r\n',
        ),
      },
    },
  ]);
  await writeFile(join(root, 'version.ini'), '20250101\n');
  return payload;
}

test(
  'S61 the Windows executable under Wine serves, downloads from a Linux peer, installs and plays',
  { timeout: 300_000 },
  async () => {
    assert.ok(existsSync(WIN_EXE), `${WIN_EXE} is missing: run \`npm run dist\` first`);
    const lab = await mkdtemp(join(tmpdir(), 'lanspread-S61-wine-'));
    const prefix = join(lab, 'wineprefix');
    let linux: PeerProcess | undefined;
    let failed = true;
    try {
      const payload = await writeGameWithLauncher(join(lab, 'linux', 'games'));
      await writeFixtureGame(join(lab, 'windows', 'games'), smallGame(WINDOWS_GAME));
      const compressed = join(lab, 'linux', 'games', COMPRESSED_GAME);
      await mkdir(compressed, { recursive: true });
      await copyFile(
        corpusPath('rar5-compressed-300k.rar'),
        join(compressed, `${COMPRESSED_GAME}.eti`),
      );
      await writeFile(join(compressed, 'version.ini'), '20250101\n');
      linux = await PeerProcess.start({
        executable: LINUX_EXE,
        name: 'linux',
        games: join(lab, 'linux', 'games'),
        state: join(lab, 'linux', 'state'),
        stderrFile: join(lab, 'linux.stderr.log'),
      });
      prepareWinePrefix(prefix);
      const stdout = join(lab, 'windows.stdout.log');
      const windows = startUnderWine(
        prefix,
        [
          'serve',
          '--games',
          winPath(join(lab, 'windows', 'games')),
          '--state',
          winPath(join(lab, 'windows', 'state')),
          '--ui',
          '127.0.0.1:0',
          '--listen',
          '127.0.0.1:0',
          '--no-mdns',
          '--name',
          'windows',
        ],
        stdout,
        join(lab, 'windows.stderr.log'),
      );
      const exited = new Promise<number | null>((done) => windows.once('exit', done));
      const url = await waitFor('the UI line', 60_000, async () => {
        const match = /^lanspread UI: (\S+)/m.exec(await readFile(stdout, 'utf8'));
        return match?.[1];
      });
      const api = async (path: string, body?: object): Promise<Record<string, unknown>> => {
        const res = await fetch(new URL(path, url), {
          method: body === undefined ? 'GET' : 'POST',
          headers: { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const answer = (await res.json()) as Record<string, unknown>;
        assert.equal(res.ok, true, `${path}: ${JSON.stringify(answer)}`);
        return answer;
      };
      const status = (await api('api/status')).result as Record<string, unknown>;
      assert.equal(typeof status.peer_id, 'string');

      await api('api/commands/connect', { addr: linux.addr });
      await waitFor('the Linux peer offering the game', 30_000, async () => {
        const games = (await api('api/games')).result as { remote: { id: string }[] };
        return games.remote.some((r) => r.id === GAME) ? true : undefined;
      });
      await api('api/commands/download', { game: GAME });
      const local = join(lab, 'windows', 'games', GAME, 'local');
      assert.deepEqual(readFileSync(join(local, 'bin', 'game.dat')), payload, 'installed bytes');

      await api('api/commands/download', { game: COMPRESSED_GAME });
      assert.deepEqual(
        readFileSync(join(lab, 'windows', 'games', COMPRESSED_GAME, 'local', 'med.bin')),
        execFileSync('bsdtar', ['-xOf', join(compressed, `${COMPRESSED_GAME}.eti`), 'med.bin']),
        'the compressed archive unpacked by the embedded unrar as bsdtar unpacks it',
      );

      await api('api/commands/play', { game: GAME, username: 'Gordon', language: 'english' });
      const started = await waitFor('game_start.cmd to run', 30_000, async () => {
        const text = await readFile(join(local, 'started.txt'), 'utf8');
        return text.includes('4=') ? text : undefined;
      });
      const args = Object.fromEntries(
        started
          .trim()
          .split(/\r?\n/)
          .map((line) => [line.slice(0, 1), line.slice(2).trim()]),
      );
      assert.equal(args['1']?.replaceAll('"', ''), winPath(local));
      assert.equal(args['2'], GAME);
      assert.equal(args['3'], 'en');
      assert.equal(args['4']?.replaceAll('"', ''), 'Gordon');

      // The Windows peer dialled the Linux one; that connection serves both ways.
      const back = await linux.request('download', { game: WINDOWS_GAME }, 120_000);
      assert.equal(back.ok, true, JSON.stringify(back.error));
      const linuxGames = await linux.cmd<{ local: { id: string; installed: boolean }[] }>(
        'list-games',
      );
      assert.equal(
        linuxGames.local.find((g) => g.id === WINDOWS_GAME)?.installed,
        true,
        'the Linux executable installed the game of the Windows one',
      );

      await api('api/commands/shutdown', {});
      assert.equal(await exited, 0);
      failed = false;
      console.log(
        `PASS S61 Windows under Wine — ${url} answered status, downloaded ${GAME} from the Linux executable at ${linux.addr}, installed (and ${COMPRESSED_GAME} from a compressed RAR5), game_start.cmd got ${JSON.stringify(args)}; the Linux executable downloaded and installed ${WINDOWS_GAME} from it`,
      );
    } finally {
      stopWine(prefix);
      linux?.kill('SIGKILL');
      await linux?.exited;
      if (failed) console.log(`FAIL S61 Windows under Wine (lab kept: ${lab})`);
      else await rm(lab, { recursive: true, force: true });
    }
  },
);
