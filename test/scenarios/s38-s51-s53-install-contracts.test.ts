import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeStoredRar5, type Rar5SourceEntry } from '../../src/archive/index.js';
import { corpusPath, requireCorpus } from '../support/corpus.js';
import { writeFakeUnrar } from '../support/fake-unrar.js';
import { assertNoOutbound, link, listGames } from './harness/assertions.js';
import { CATALOG_VERSION } from './harness/fixtures.js';
import { scenario } from './harness/lab.js';
import type { PeerProcess } from './harness/peer-process.js';

const INI = 'engine/bin/win64/steam_settings/SmartSteamEmu.ini';
const INI_STUB = '[SmartSteamEmu]\r\nAppId=240\r\nPersonaName=stub\r\nLanguage=english\r\n';
const ACCOUNT = 'profiles/local/account_name.txt';
const LANGUAGE = 'profiles/local/language.txt';

/** A downloaded root `<games>/<id>/` holding `archive` as `<id>.eti` and version.ini. */
async function rootWithArchive(games: string, id: string, archive: string): Promise<string> {
  const root = join(games, id);
  await mkdir(root, { recursive: true });
  await copyFile(archive, join(root, `${id}.eti`));
  await writeFile(join(root, 'version.ini'), `${CATALOG_VERSION}\n`);
  return root;
}

/** The S38 fields of a play answer; the launch fields beside them are S63's. */
function stamping(answer: Record<string, unknown>): Record<string, unknown> {
  const { already_applied, account_name_written, language_written, persona_name_written } = answer;
  return { already_applied, account_name_written, language_written, persona_name_written };
}

scenario('S38', 'first-play launch-setting stamping', async (lab) => {
  const games = lab.gamesDir('client');
  const staged = join(lab.root, 'css.eti');
  const mtime = new Date('2025-01-01T00:00:00Z');
  const file = (name: string, text: string): Rar5SourceEntry => ({
    name,
    kind: 'file',
    mtime,
    source: { bytes: Buffer.from(text, 'latin1') },
  });
  await writeStoredRar5(staged, [
    file('cstrike/readme.txt', 'Counter-Strike: Source\n'),
    file(INI, INI_STUB),
    file(ACCOUNT, 'stub'),
    file(LANGUAGE, 'english'),
  ]);
  const root = await rootWithArchive(games, 'css', staged);
  // As in the seed, css is installed with --unrar (here the bsdtar-based double of unrar).
  const unrar = await writeFakeUnrar(lab.root, 'unrar');
  const client = await lab.start('client', { extraArgs: ['--unrar', unrar] });
  await client.cmd('install', { game: 'css' });
  const marker = join(root, 'launch_settings_applied');
  const local = (rel: string): Promise<string> => readFile(join(root, 'local', rel), 'latin1');
  assert.equal(existsSync(marker), false, 'no marker after install');
  assert.equal(await local(INI), INI_STUB);
  assert.equal(await local(ACCOUNT), 'stub');
  const first = await client.cmd('play', { game: 'css', username: 'Gordon', language: 'german' });
  assert.deepEqual(stamping(first), {
    already_applied: false,
    account_name_written: true,
    language_written: true,
    persona_name_written: true,
  });
  // css ships no launch script: the stamping stands, and the answer says nothing was started.
  assert.equal(first.launched, false);
  assert.equal((first.launch_error as { code: string }).code, 'no-launcher');
  assert.equal(await local(INI), INI_STUB.replace('PersonaName=stub', 'PersonaName=Gordon'));
  assert.equal(await local(ACCOUNT), 'Gordon');
  assert.equal(await local(LANGUAGE), 'german');
  assert.ok(existsSync(marker), 'marker after the first play');
  await writeFile(join(root, 'local', ACCOUNT), 'reset');
  const second = await client.cmd('play', { game: 'css', username: 'Alyx', language: 'french' });
  assert.deepEqual(stamping(second), {
    already_applied: true,
    account_name_written: false,
    language_written: false,
    persona_name_written: false,
  });
  assert.equal(await local(ACCOUNT), 'reset', 'the second play rewrites nothing');
  // A reinstall clears the marker, so the next play stamps the fresh files.
  await client.cmd('install', { game: 'css' });
  assert.equal(existsSync(marker), false, 'reinstall cleared the marker');
  assert.equal(await local(ACCOUNT), 'stub');
  return `install (--unrar) left the stubs and no marker; first play wrote PersonaName (CRLF kept, siblings intact), account_name.txt, language.txt and the marker; second play already_applied=true and left a reset file alone; reinstall cleared the marker`;
});

/** Installs `game`, expects `code`, and checks that nothing was left in or beside the root. */
async function expectInstallFails(
  client: PeerProcess,
  games: string,
  game: string,
  code: string,
): Promise<string> {
  const before = (await readdir(join(games, game))).sort();
  const answer = await client.request('install', { game });
  assert.equal(answer.error?.code, code, JSON.stringify(answer.error));
  const failed = await client.waitEvent((e) => e.event === 'install-failed' && e.game === game);
  assert.equal(failed.code, code);
  assert.deepEqual(
    (await readdir(join(games, game))).sort(),
    before,
    'no local/, no .local.installing/',
  );
  const row = (await listGames(client)).local.find((g) => g.id === game);
  assert.equal(row?.installed, false);
  return `${game}: ${code} (${String(failed.message).slice(0, 90)})`;
}

async function assertIdle(client: PeerProcess): Promise<void> {
  const status = await client.cmd<{ active_operations: unknown[] }>('status');
  assert.deepEqual(status.active_operations, []);
}

scenario('S51', 'hostile archives: traversal and writing through a symlink', async (lab) => {
  requireCorpus();
  const games = lab.gamesDir('client');
  await rootWithArchive(games, 'cnc4', corpusPath('rar4-path-traversal.rar'));
  await rootWithArchive(games, 'cod5', corpusPath('rar5-symlink-traversal.rar'));
  const client = await lab.start('client');
  const evidence = [
    await expectInstallFails(client, games, 'cnc4', 'archive-unsafe-entry'),
    await expectInstallFails(client, games, 'cod5', 'archive-unsafe-entry'),
  ];
  await assertIdle(client);
  // ../../tmp/existing-file from local/ would land in games/tmp; up/pwned.txt in the root.
  assert.deepEqual((await readdir(games)).sort(), ['cnc4', 'cod5']);
  return `${evidence.join('; ')}; nothing created outside the roots`;
});

scenario('S53', 'unusable archives fail with distinct codes', async (lab) => {
  requireCorpus();
  const games = lab.gamesDir('client');
  const cases = [
    ['alienswarm', 'rar5-encrypted-data.rar', 'archive-encrypted'],
    ['bf1942', 'rar7-dict6g-unsupported.rar', 'archive-unsupported'],
    ['ggoo', 'rar5-stored-truncated.rar', 'archive-truncated'],
    ['bfbc2', 'rar5-stored-bad-data-crc.rar', 'archive-data-crc'],
    ['cnctw', 'rar4-bad-header-crc.rar', 'archive-header-crc'],
  ] as const;
  for (const [game, file] of cases) await rootWithArchive(games, game, corpusPath(file));
  const client = await lab.start('client');
  const evidence: string[] = [];
  for (const [game, , code] of cases)
    evidence.push(await expectInstallFails(client, games, game, code));
  await assertIdle(client);
  assert.equal(new Set(cases.map(([, , code]) => code)).size, cases.length);
  // The same archives served to a streamed install: the source's code reaches the receiver.
  const receiver = await lab.start('receiver');
  await link(receiver, client);
  for (const [game, , code] of cases) {
    const answer = await receiver.request('stream-install', { game }, 60_000);
    assert.equal(answer.error?.code, code, JSON.stringify(answer.error));
    assert.equal(
      existsSync(join(lab.gamesDir('receiver'), game)),
      false,
      `${game} left on the receiver`,
    );
    evidence.push(`stream-install ${game}: ${code}`);
  }
  await assertIdle(receiver);
  for (const [game] of cases) await assertNoOutbound(client, game);
  return evidence.join('; ');
});
