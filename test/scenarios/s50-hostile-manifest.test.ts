import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { GameId, GameVersion } from '../../src/ids.js';
import type { Manifest, WireMessage } from '../../src/protocol/index.js';
import { sha256Manifest } from '../support/fixture-games.js';
import { download, eventNames, link } from './harness/assertions.js';
import { smallGame } from './harness/fixtures.js';
import {
  answerWithJunk,
  startFakePeer,
  type FakePeer,
  type OnTransfer,
} from './harness/fake-peer.js';
import { scenario, type Lab } from './harness/lab.js';
import { referenceExtraction } from './harness/manifests.js';
import type { Answer, Json, PeerProcess } from './harness/peer-process.js';

const GAME = 'cnctw' as GameId;
const VERSION = '20250101' as GameVersion;
const ZERO = '0'.repeat(64);

type Liar = FakePeer;

/** A liar advertising cnctw as Ready. */
function startLiar(stateDir: string, onTransfer: OnTransfer): Promise<Liar> {
  const cnctw = { id: GAME, version: VERSION, downloaded: true, installed: false, servable: true };
  return startFakePeer(stateDir, 'liar', [{ ...cnctw, size: 14 }], onTransfer);
}

/**
 * Answers every manifest request with a file list holding one hostile path (the next of
 * `hostilePaths`), and any chunk request with bytes.
 */
function manifestLies(hostilePaths: string[]): OnTransfer {
  let request = 0;
  return (conn, msg) => {
    if (msg.t === 'get-manifest') {
      const path = hostilePaths[request++ % hostilePaths.length]!;
      const manifest: Manifest = {
        t: 'manifest',
        game: GAME,
        version: VERSION,
        chunk_size: msg.chunk_size,
        files: [
          { path, size: 5, chunks: [ZERO] },
          { path: 'version.ini', size: 9, chunks: [ZERO] },
        ],
      };
      conn.send(manifest);
    } else {
      answerWithJunk(conn, GAME, msg);
    }
  };
}

scenario(
  'S50',
  'hostile manifest from a lying peer (test double on the real protocol)',
  async (lab) => {
    const hostile = [
      '../escape.txt',
      '/tmp/lanspread-absolute-escape.txt',
      'local/planted.txt',
      '..\\win-escape.txt',
      'a/../../up.txt',
    ];
    const liar = await startLiar(join(lab.root, 'liar-state'), manifestLies(hostile));
    try {
      const client: PeerProcess = await lab.start('client');
      const { peer_id } = await client.cmd<{ peer_id: string }>('connect', { addr: liar.addr });
      assert.ok(peer_id.length === 64);
      const codes: string[] = [];
      for (const path of hostile) {
        const { answer, events } = await download(client, 'cnctw');
        assert.equal(answer.ok, false, `${path} must be refused`);
        assert.equal(
          answer.error?.code,
          'hostile-manifest',
          `${path}: ${JSON.stringify(answer.error)}`,
        );
        assert.ok(
          events.some((e) => e.event === 'download-peer-dropped' && e.peer_id === peer_id),
          'an event names the liar',
        );
        assert.equal(
          events.some((e) => e.event === 'download-begin'),
          false,
        );
        codes.push(answer.error.code);
      }
      const root = join(lab.gamesDir('client'), 'cnctw');
      assert.equal(existsSync(join(lab.gamesDir('client'), 'escape.txt')), false);
      assert.equal(existsSync('/tmp/lanspread-absolute-escape.txt'), false);
      assert.equal(existsSync(join(lab.root, 'client', 'up.txt')), false);
      assert.equal(existsSync(join(root, 'local')), false);
      assert.equal(existsSync(join(root, 'version.ini')), false);
      const left = existsSync(root) ? await readdir(root) : [];
      assert.deepEqual(
        left.filter((n) => n !== '.lanspread'),
        [],
      );
      return `${hostile.length} hostile paths (${hostile.join(', ')}) -> ${[...new Set(codes)].join(',')} each, liar named in download-peer-dropped; nothing written outside or inside the root`;
    } finally {
      await liar.close();
    }
  },
);

scenario(
  'S50',
  'a lying peer whose bytes never match its manifest commits nothing',
  async (lab) => {
    // The liar claims a manifest whose chunk hashes are zeros: any bytes it sends fail the hash.
    const liar = await startLiar(join(lab.root, 'liar-state'), manifestLies(['payload.bin']));
    try {
      const client = await lab.start('client');
      await client.cmd('connect', { addr: liar.addr });
      const { answer, events } = await download(client, 'cnctw');
      assert.equal(answer.ok, false);
      assert.ok(
        ['no-sources-left', 'download-failed'].includes(answer.error!.code),
        JSON.stringify(answer.error),
      );
      assert.ok(events.some((e) => e.event === 'download-peer-dropped'));
      assert.equal(existsSync(join(lab.gamesDir('client'), 'cnctw', 'version.ini')), false);
      return `wrong bytes -> ${answer.error!.code}; liar dropped; nothing committed`;
    } finally {
      await liar.close();
    }
  },
);

/** One step of a scripted stream: a control message, a data frame, or closing the connection. */
type Step = WireMessage | Buffer | 'close';

/** Plays `script()` in answer to every `get-stream`, ignoring what the receiver says back. */
function streamLies(script: () => Step[]): OnTransfer {
  return (conn, msg) => {
    if (msg.t !== 'get-stream') return;
    for (const step of script()) {
      if (step === 'close') conn.close();
      else if (Buffer.isBuffer(step)) conn.sendData(step);
      else conn.send(step);
    }
  };
}

type Plan = Extract<WireMessage, { t: 'stream-plan' }>;

function plan(over: Partial<Plan> = {}): Plan {
  return { t: 'stream-plan', game: GAME, files: 1, bytes: 5, dirs: [], links: [], ...over };
}

/** One entry carrying `data`; `size` and both CRC32s default to the truth about `data` (a null
 * header CRC32 is what an archive without one sends). */
function entry(
  path: string,
  data = Buffer.from('hello'),
  lie: { size?: number; headerCrc?: number | null; trailerCrc?: number } = {},
): Step[] {
  const crc = crc32(data);
  return [
    {
      t: 'stream-entry',
      path,
      size: lie.size ?? data.length,
      crc32: lie.headerCrc === undefined ? crc : lie.headerCrc,
    },
    data,
    { t: 'stream-entry-end', crc32: lie.trailerCrc ?? crc },
  ];
}

function done(files = 1, bytes = 5): Step {
  return { t: 'stream-done', files, bytes };
}

interface Lie {
  name: string;
  script: () => Step[];
  /** The code the receiver gives this lie; the answer may also say `no-sources-left`. */
  code: string;
  /** What the dropped source's reason must mention. */
  why: RegExp;
}

const ABSOLUTE = `/tmp/lanspread-escape-${randomUUID()}.txt`;
const LINK_UP = { path: 'up', kind: 'symlink', target: 'sub' } as const;
const DEEP = 'd1/d2/d3/d4/d5/d6/d7/d8';

const LIES: Lie[] = [
  {
    name: '1 entry ../escape.txt',
    script: () => [plan(), ...entry('../escape.txt'), done()],
    code: 'archive-unsafe-entry',
    why: /entry \.\.\/escape\.txt/,
  },
  {
    name: '2 absolute entry',
    script: () => [plan(), ...entry(ABSOLUTE), done()],
    code: 'archive-unsafe-entry',
    why: /entry \/tmp\/lanspread-escape-/,
  },
  {
    name: '3 entry written through the link up -> sub',
    script: () => [plan({ dirs: ['sub'], links: [LINK_UP] }), ...entry('up/pwned.txt'), done()],
    code: 'archive-unsafe-entry',
    why: /entry up\/pwned\.txt/,
  },
  {
    name: '4 symlink out -> ../../outside',
    script: () => [
      plan({ links: [{ path: 'out', kind: 'symlink', target: '../../outside' }] }),
      ...entry('ok.txt'),
      done(),
    ],
    code: 'archive-unsafe-entry',
    why: /out -> \.\.\/\.\.\/outside/,
  },
  {
    name: '5 plan folder ../evil',
    script: () => [plan({ dirs: ['../evil'] }), ...entry('ok.txt'), done()],
    code: 'archive-unsafe-entry',
    why: /folder \.\.\/evil/,
  },
  {
    name: '6 8 data bytes for a 5-byte entry',
    script: () => [
      plan(),
      { t: 'stream-entry', path: 'big.txt', size: 5, crc32: null },
      Buffer.from('hello!!!'),
      { t: 'stream-entry-end', crc32: crc32(Buffer.from('hello!!!')) },
      done(),
    ],
    code: 'protocol-error',
    why: /past its size/,
  },
  {
    name: '7 trailer CRC32 not of the bytes',
    script: () => [
      plan(),
      ...entry('a.txt', Buffer.from('hello'), { headerCrc: null, trailerCrc: 0x1234 }),
      done(),
    ],
    code: 'archive-data-crc',
    why: /do not match the source's CRC32/,
  },
  {
    name: '8 header CRC32 not of the bytes',
    script: () => [plan(), ...entry('a.txt', Buffer.from('hello'), { headerCrc: 0x1234 }), done()],
    code: 'archive-data-crc',
    why: /CRC32 [0-9a-f]{8} where the header says 00001234/,
  },
  {
    name: '9 stream-done counts 2 files and 6 bytes for 1 and 5',
    script: () => [plan(), ...entry('a.txt'), done(2, 6)],
    code: 'protocol-error',
    why: /stream-done does not count/,
  },
  {
    name: '10 connection closed mid-entry',
    script: () => [
      plan({ bytes: 100 }),
      { t: 'stream-entry', path: 'a.txt', size: 100, crc32: null },
      Buffer.alloc(40, 0x41),
      'close',
    ],
    code: 'download-failed',
    why: /source closed the connection/,
  },
  {
    // a/b/c leads to the staging root, so a/b/c/d is made there and its ../../.. leaves the
    // games folder, though each link on its own names a place inside.
    name: '11 symlink a/b/c/d -> ../../.. made through the symlink a/b/c -> ../..',
    script: () => [
      plan({
        dirs: ['a', 'a/b'],
        links: [
          { path: 'a/b/c', kind: 'symlink', target: '../..' },
          { path: 'a/b/c/d', kind: 'symlink', target: '../../..' },
        ],
      }),
      ...entry('ok.txt'),
      done(),
    ],
    code: 'archive-unsafe-entry',
    why: /a\/b\/c\/d/,
  },
  {
    name: '12 copy of a file the stream never sent',
    script: () => [
      plan({ links: [{ path: 'copy.txt', kind: 'copy', target: 'never-sent.txt' }] }),
      ...entry('ok.txt'),
      done(),
    ],
    code: 'archive-unsafe-entry',
    why: /never-sent\.txt/,
  },
  {
    // Entries are bound to the plan, whose bytes passed the free-space check (issue 16).
    name: '13 an entry where the plan announced 0 bytes',
    script: () => [plan({ bytes: 0 }), ...entry('a.txt'), done()],
    code: 'stream-over-plan',
    why: /a\.txt \(5 bytes\) as file 1 with 5 bytes in all; its plan announced 1 files and 0 bytes/,
  },
  {
    name: '14 an entry of 10 GiB in a 5-byte plan, refused before its data',
    script: () => [
      plan(),
      { t: 'stream-entry', path: 'huge.bin', size: 10 * 1024 ** 3, crc32: null },
      // No close after it: the refusal must come from the entry header, not race the source's close.
      Buffer.alloc(64 * 1024, 0x41),
    ],
    code: 'stream-over-plan',
    why: /huge\.bin \(10737418240 bytes\)/,
  },
  {
    name: '15 a second file where the plan counts one',
    script: () => [plan({ bytes: 10 }), ...entry('a.txt'), ...entry('b.txt'), done(2, 10)],
    code: 'stream-over-plan',
    why: /b\.txt \(5 bytes\) as file 2/,
  },
  {
    name: '16 copies of a file past the plan bytes',
    script: () => [
      plan({ links: [{ path: 'copy.txt', kind: 'copy', target: 'a.txt' }] }),
      ...entry('a.txt'),
      done(),
    ],
    code: 'stream-over-plan',
    why: /files and their copies make 10 bytes; its plan announced 5/,
  },
  {
    name: '17 a plan of 200,001 files',
    script: () => [plan({ files: 200_001 }), ...entry('a.txt'), done()],
    code: 'archive-too-many-entries',
    why: /plans 200001 files/,
  },
  {
    // The two-set link escape of S65, as one plan: d1/…/d8/L leads `escape`'s `..` out.
    name: '18 escape -> d1/…/d8/L/../…/etc/passwd with L -> ../../../../../../../..',
    script: () => [
      plan({
        dirs: DEEP.split('/').map((_, i, all) => all.slice(0, i + 1).join('/')),
        links: [
          { path: `${DEEP}/L`, kind: 'symlink', target: '../../../../../../../..' },
          { path: 'escape', kind: 'symlink', target: `${DEEP}/L/${'../'.repeat(9)}etc/passwd` },
        ],
      }),
      ...entry('ok.txt'),
      done(),
    ],
    code: 'archive-unsafe-entry',
    why: /escape -> d1\/.*etc\/passwd: the link points out/,
  },
];

/** Sends `stream-install` and returns its answer with the events it produced. */
async function streamInstall(
  peer: PeerProcess,
  game: string,
): Promise<{ answer: Answer; events: Json[] }> {
  const from = peer.events.length;
  const answer = await peer.request('stream-install', { game }, 120_000);
  return { answer, events: peer.events.slice(from).filter((e) => e.game === game) };
}

/** Paths under `dir`, symlinks shown with their targets and never followed. */
async function tree(dir: string, prefix = ''): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const at = join(dir, d.name);
    // The peer's record of running operations; checked apart: it must be empty afterwards.
    if (d.name === 'intents' && prefix.endsWith('state/')) continue;
    out.push(d.isSymbolicLink() ? `${prefix}${d.name} -> ${await readlink(at)}` : prefix + d.name);
    if (d.isDirectory()) out.push(...(await tree(at, `${prefix}${d.name}/`)));
  }
  return out.sort();
}

/** The liar's one case: refused, attributed to the liar, nothing left anywhere; the reason. */
async function expectRefused(lab: Lab, client: PeerProcess, liar: Liar, lie: Lie): Promise<string> {
  const before = await tree(lab.root);
  const { answer, events } = await streamInstall(client, 'cnctw');
  const names = eventNames(events);
  const dropped = events.filter((e) => e.event === 'download-peer-dropped');
  const reason = String(dropped[0]?.reason);
  const root = join(lab.gamesDir('client'), 'cnctw');
  const leftover = await tree(root);
  if (leftover.length > 0) {
    // A committed lie would fail every later case with already-installed: clear it.
    await client.request('uninstall', { game: 'cnctw' });
    await rm(root, { recursive: true, force: true });
  }
  // What must never happen first: a commit, a leftover, anything made outside, a stuck operation.
  assert.equal(
    answer.ok,
    false,
    `accepted ${JSON.stringify(answer.result)}, left ${leftover.join(', ')}`,
  );
  assert.equal(names.includes('install-finished'), false, names.join(','));
  assert.ok(names.includes('download-failed'), names.join(','));
  assert.deepEqual(leftover, [], 'the cnctw root is left behind');
  assert.deepEqual(await tree(lab.root), before, 'something was made in the lab');
  assert.deepEqual(
    await tree(join(lab.root, 'client', 'state', 'intents')),
    [],
    'an intent outlived its operation',
  );
  assert.equal(existsSync(ABSOLUTE), false, `${ABSOLUTE} exists`);
  const status = await client.cmd<{ active_operations: unknown[] }>('status');
  assert.deepEqual(status.active_operations, []);
  // Then the lie is the source's: it is dropped for it, and the answer says why.
  assert.ok(
    ['no-sources-left', lie.code].includes(answer.error!.code),
    JSON.stringify(answer.error),
  );
  assert.equal(dropped.length, 1, `one download-peer-dropped, events ${names.join(',')}`);
  assert.equal(dropped[0]!.peer_id, liar.peerId);
  assert.match(reason, lie.why);
  assert.ok(answer.error!.message.includes(reason), answer.error!.message);
  return `${answer.error!.code} "${reason.slice(0, 90)}"`;
}

/** An assertion's own message, without the diff node:assert appends. */
function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/** A real source with the fixture cnctw; the streamed install matches bsdtar's extraction. */
async function honestInstall(lab: Lab, client: PeerProcess): Promise<string> {
  await lab.games('honest', [smallGame('cnctw')]);
  const honest = await lab.start('honest');
  await link(client, honest);
  const { answer, events } = await streamInstall(client, 'cnctw');
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  assert.ok(eventNames(events).includes('install-finished'));
  const root = join(lab.gamesDir('client'), 'cnctw');
  assert.deepEqual(await readdir(root), ['local']);
  const files = await sha256Manifest(join(root, 'local'), { exclude: [] });
  assert.deepEqual(files, await referenceExtraction(join(lab.gamesDir('honest'), 'cnctw')));
  return `streamed ${String((answer.result as Json).bytes)} bytes, ${Object.keys(files).length} files match bsdtar's extraction`;
}

scenario(
  'S50',
  'a lying stream source cannot write outside the game root or commit bad data',
  async (lab) => {
    let lie = LIES[0]!;
    const liar = await startLiar(
      join(lab.root, 'liar-state'),
      streamLies(() => lie.script()),
    );
    const client = await lab.start('client');
    const evidence: string[] = [];
    const failures: string[] = [];
    try {
      await client.cmd('connect', { addr: liar.addr });
      await client.waitEvent((e) => e.event === 'peer-connected' && e.peer_id === liar.peerId);
      for (lie of LIES) {
        try {
          evidence.push(`${lie.name}: ${await expectRefused(lab, client, liar, lie)}`);
        } catch (err) {
          failures.push(`${lie.name}: ${firstLine(err)}`);
        }
      }
    } finally {
      await liar.close();
    }
    await client.waitEvent((e) => e.event === 'peer-lost' && e.peer_id === liar.peerId);
    // After every lie an honest source still streams the game in.
    try {
      evidence.push(`then the honest source: ${await honestInstall(lab, client)}`);
    } catch (err) {
      failures.push(`honest source: ${firstLine(err)}`);
    }
    assert.deepEqual(failures, [], `not as it should be:\n${failures.join('\n')}`);
    return evidence.join('; ');
  },
);
