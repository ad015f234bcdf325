import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DiscoveryStatus, LocalGameRow, PeerRow } from '../../../ui/src/api-types.js';
import { formatBytes } from '../../../src/human-units.js';
import { startProgress } from '../../../src/progress-fold.js';
import type { LibraryGame } from '../../../ui/src/game-model.js';
import {
  RATE_WINDOW_MS,
  addSample,
  discoveryHint,
  lanDownloads,
  lastCopies,
  niceScale,
  rateSeries,
  topSources,
  unreachableCause,
  versionLabel,
  versionSkew,
  type TrafficSample,
} from '../../../ui/src/party-model.js';

const MIB = 1024 * 1024;

function sample(atMs: number, fields: Partial<TrafficSample> = {}): TrafficSample {
  return { atMs, sentBytes: 0, receivedBytes: 0, downloads: {}, fromPeers: {}, ...fields };
}

function game(id: string, fields: Partial<LibraryGame> = {}): LibraryGame {
  return {
    id,
    name: id.toUpperCase(),
    description: null,
    size: 100,
    catalogVersion: '20250101',
    verified: false,
    genre: null,
    maxPlayers: null,
    releaseYear: null,
    hasCover: false,
    local: undefined,
    peerCount: 0,
    partialPeerCount: 0,
    operation: undefined,
    queue: undefined,
    failure: undefined,
    state: '',
    action: { kind: 'download' },
    ...fields,
  };
}

function ready(id: string, version = '20250101'): LocalGameRow {
  return {
    id,
    name: id,
    eti_game_version: version,
    downloaded: true,
    installed: false,
    availability: 'Ready',
    size: 100,
    running: false,
    server_running: false,
  };
}

function peer(name: string, fields: Partial<PeerRow> = {}): PeerRow {
  return {
    peer_id: `${name}-id`,
    name,
    software: '0.1.0',
    addr: '10.0.0.2:47620',
    games: [],
    last_seen_ms: 0,
    fetching: [],
    sent_bytes: 0,
    received_bytes: 0,
    ...fields,
  };
}

describe('rates from sampled counters', () => {
  it('keeps two minutes of samples and one before them', () => {
    let samples: TrafficSample[] = [];
    for (let s = 0; s <= 200; s++) samples = addSample(samples, sample(s * 1000));
    assert.equal(samples.at(-1)?.atMs, 200_000);
    assert.equal(samples[0]?.atMs, 200_000 - RATE_WINDOW_MS - 1000);
  });

  it('gives bytes per second between samples, zero when a counter went back, none where it is absent', () => {
    const samples = [
      sample(0, { receivedBytes: 0, downloads: { a: 0 } }),
      sample(2000, { receivedBytes: 4 * MIB, downloads: { a: MIB } }),
      sample(3000, { receivedBytes: 1 * MIB }),
      sample(4000, { receivedBytes: 2 * MIB, downloads: { a: 0 } }),
      sample(4500, { receivedBytes: 3 * MIB, downloads: { a: MIB } }),
    ];
    assert.deepEqual(
      rateSeries(samples, (s) => s.receivedBytes, 0).map((p) => p.bytesPerSecond),
      [2 * MIB, 0, MIB, 2 * MIB],
    );
    assert.deepEqual(
      rateSeries(samples, (s) => s.downloads.a, 0),
      [
        { atMs: 2000, bytesPerSecond: MIB / 2 },
        { atMs: 4500, bytesPerSecond: 2 * MIB },
      ],
    );
  });

  it('measures each rate over the span back to a sample at least that much older', () => {
    const samples = [0, 1, 2, 3, 4].map((s) => sample(s * 1000, { sentBytes: s * s * MIB }));
    assert.deepEqual(
      rateSeries(samples, (s) => s.sentBytes, 2000).map((p) => p.bytesPerSecond),
      [1 * MIB, 2 * MIB, 4 * MIB, 6 * MIB],
    );
  });

  it('scales the graph to a round figure at or above the highest rate', () => {
    assert.equal(niceScale(0), 0.1 * MIB);
    assert.equal(niceScale(3 * MIB), 5 * MIB);
    assert.equal(niceScale(10 * MIB), 10 * MIB);
    assert.equal(niceScale(11 * MIB), 20 * MIB);
    assert.equal(niceScale(0.3 * MIB), 0.5 * MIB);
  });
});

describe('the downloads on the LAN', () => {
  it('lists ours with bytes, waiting ones, and other peers’ with their chunks', () => {
    const running = game('bfbc2', {
      operation: {
        kind: 'download',
        progress: { ...startProgress('bfbc2', 0), bytesDone: 64 * MIB, bytesTotal: 256 * MIB },
      },
    });
    const queued = game('cnc4', {
      queue: { game: 'cnc4', kind: 'download', position: 2, state: 'queued', install: true },
    });
    const downloads = lanDownloads(
      [running, queued, game('ggoo')],
      [
        peer('charlie', {
          fetching: [
            {
              game: 'ggoo',
              version: '20250101',
              have_chunks: 3,
              total_chunks: 4,
              in_flight_chunks: 1,
            },
          ],
        }),
      ],
      'bravo',
      formatBytes,
    );
    assert.deepEqual(
      downloads.map((d) => [d.game, d.who, d.self, d.fraction, d.detail]),
      [
        ['bfbc2', 'bravo', true, 0.25, '64.0 MiB of 256 MiB'],
        ['cnc4', 'bravo', true, null, 'queued, #2'],
        ['ggoo', 'charlie', false, 0.75, '3 of 4 chunks'],
      ],
    );
    assert.equal(downloads[0]?.name, 'BFBC2');
  });

  it('is empty when nobody downloads', () => {
    assert.deepEqual(lanDownloads([game('a')], [peer('x')], 'me', formatBytes), []);
  });
});

describe('last copies', () => {
  it('names the one holder of a game at our version, us included, with its downloaders', () => {
    const library = [
      game('alone', { local: ready('alone') }),
      game('theirs'),
      game('both', { local: ready('both') }),
      game('old-here', { local: ready('old-here', '20200101') }),
      game('nobody'),
    ];
    const peers = [
      peer('alpha', {
        games: [
          { ...ready('theirs'), availability: 'Ready' },
          { ...ready('both'), availability: 'Ready' },
          { ...ready('old-here'), availability: 'Ready' },
        ],
      }),
      peer('charlie', {
        games: [{ ...ready('nobody'), availability: 'NotAvailable' }],
        fetching: [
          {
            game: 'theirs',
            version: '20250101',
            have_chunks: 1,
            total_chunks: 8,
            in_flight_chunks: 0,
          },
        ],
      }),
    ];
    assert.deepEqual(
      lastCopies(library, peers, 'bravo').map((c) => [c.game, c.holder, c.self, c.downloaders]),
      [
        ['old-here', 'alpha', false, 0],
        ['theirs', 'alpha', false, 1],
        ['alone', 'bravo', true, 0],
      ],
    );
  });
});

describe('top sources', () => {
  it('ranks the peers that served us by bytes, with the rate of the last step', () => {
    const samples = [
      sample(0, { fromPeers: { 'alpha-id': 10 * MIB } }),
      sample(1000, { fromPeers: { 'alpha-id': 12 * MIB, 'charlie-id': 50 * MIB } }),
    ];
    const sources = topSources(
      [
        peer('alpha', { received_bytes: 12 * MIB, sent_bytes: 1 }),
        peer('charlie', { received_bytes: 50 * MIB }),
        peer('idle'),
      ],
      samples,
    );
    assert.deepEqual(
      sources.map((s) => [s.name, s.receivedBytes, s.bytesPerSecond]),
      [
        ['charlie', 50 * MIB, 0],
        ['alpha', 12 * MIB, 2 * MIB],
      ],
    );
  });
});

describe('why a discovered peer cannot be reached', () => {
  const ours = [{ address: '192.168.1.10' }];
  const cause = (addr: string, error: string) => unreachableCause({ addr, error }, ours);

  it('tells a firewall from another subnet, a refusal and a stale announcement', () => {
    assert.equal(cause('192.168.1.20:47620', 'connect ETIMEDOUT 192.168.1.20:47620'), 'firewall');
    assert.equal(cause('10.1.0.20:47620', 'connect ETIMEDOUT 10.1.0.20:47620'), 'subnet');
    assert.equal(cause('192.168.1.20:47620', 'connect EHOSTUNREACH 192.168.1.20'), 'subnet');
    assert.equal(cause('192.168.1.20:47620', 'connect ECONNREFUSED 192.168.1.20:47620'), 'refused');
    assert.equal(cause('192.168.1.20:47620', 'another peer answered at this address'), 'stale');
    assert.equal(cause('192.168.1.20:47620', 'TLS handshake failed'), 'incompatible');
    assert.equal(cause('192.168.1.20:47620', 'something else'), 'unknown');
    // As the transport words them.
    const at = 'cannot connect to 192.168.1.20:47620';
    assert.equal(cause('192.168.1.20:47620', `${at}: connection refused`), 'refused');
    assert.equal(cause('192.168.1.20:47620', `${at}: the TCP connect timed out`), 'firewall');
    assert.equal(cause('10.9.0.2:47620', `${at}: no route to the host (EHOSTUNREACH)`), 'subnet');
  });
});

describe('discovery hint', () => {
  const discovery = (sent: number, heard: number): DiscoveryStatus => ({
    mdns: {
      enabled: true,
      running: true,
      announcements_sent: sent,
      answers_received: heard,
      services_held: 0,
    },
    beacon: { enabled: true, running: true, port: 47621, sent, received: 0, ignored: 0 },
    interfaces: [],
    last_error: null,
  });

  it('suspects blocked multicast when announcements went out and nothing came back', () => {
    assert.match(discoveryHint(discovery(5, 0), 2) ?? '', /blocks multicast/);
    assert.match(discoveryHint(discovery(5, 0), 0) ?? '', /first here/);
    assert.equal(discoveryHint(discovery(5, 1), 2), null);
    assert.equal(discoveryHint(discovery(0, 0), 0), null);
    const off = discovery(5, 0);
    off.mdns.running = false;
    off.beacon.running = false;
    assert.equal(discoveryHint(off, 0), null);
  });
});

describe("a peer's lanspread release beside ours", () => {
  it('orders releases by their numbers, a pre-release below its release', () => {
    assert.equal(versionSkew('0.1.0', '0.1.0'), 'same');
    assert.equal(versionSkew('0.0.9', '0.1.0'), 'older');
    assert.equal(versionSkew('0.10.0', '0.9.1'), 'newer', 'numbers, not characters');
    assert.equal(versionSkew('1.0.0', '0.99.99'), 'newer');
    assert.equal(versionSkew('0.2.0-rc.1', '0.2.0'), 'older');
    assert.equal(versionSkew('0.2.0', '0.2.0-rc.1'), 'newer');
    assert.equal(versionSkew('0.2.0-rc.2', '0.2.0-rc.1'), 'other');
    assert.equal(versionSkew('0.2.0+b7', '0.2.0'), 'other', 'another build of one release');
    assert.equal(versionSkew('nightly', '0.2.0'), 'other');
    assert.equal(versionSkew(null, '0.2.0'), null);
    assert.equal(versionSkew('0.2.0', null), null);
  });

  it('shows the release, warns when it is not ours, and says when it is unknown', () => {
    assert.deepEqual(versionLabel('0.1.0', '0.1.0'), { text: 'lanspread 0.1.0', warning: null });
    assert.deepEqual(versionLabel('0.0.9', '0.1.0'), {
      text: 'lanspread 0.0.9',
      warning: 'older than yours',
    });
    assert.deepEqual(versionLabel('0.2.0', '0.1.0'), {
      text: 'lanspread 0.2.0',
      warning: 'newer than yours',
    });
    assert.deepEqual(versionLabel('0.1.0+b7', '0.1.0'), {
      text: 'lanspread 0.1.0+b7',
      warning: 'not the same build as yours',
    });
    // Our status not read yet: nothing to compare with.
    assert.deepEqual(versionLabel('0.0.9', null), { text: 'lanspread 0.0.9', warning: null });
    assert.deepEqual(versionLabel(null, '0.1.0'), { text: 'version unknown', warning: null });
  });
});
