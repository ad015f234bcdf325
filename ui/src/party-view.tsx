/** The party board: the whole LAN at a glance — throughput, downloads running, top sources, last copies and each peer's reachability. */
import { formatAge, formatBytes, formatRate } from '../../src/human-units.js';
import type { PeerRow, StatusResult } from './api-types.js';
import type { LibraryGame } from './game-model.js';
import {
  CAUSE_SENTENCES,
  discoveryHint,
  lanDownloads,
  lastCopies,
  rateSeries,
  topSources,
  unreachableCause,
  versionLabel,
  type TrafficSample,
} from './party-model.js';
import { ThroughputGraph, type GraphSeries } from './throughput-graph.js';

/** Colours for the downloads' lines after up and down (app.css `.series-N`). */
const DOWNLOAD_TONES = 4;

export function PartyView(props: {
  library: LibraryGame[];
  status: StatusResult | undefined;
  peers: PeerRow[];
  samples: TrafficSample[];
  selfName: string;
}) {
  const { library, peers, samples, status } = props;
  const self = props.selfName === '' ? 'you' : props.selfName;
  const nowMs = samples.at(-1)?.atMs ?? Date.now();
  const names = new Map(library.map((game) => [game.id, game.name]));
  // Downloads running now: one that ended leaves the graph with its line.
  const downloading = Object.keys(samples.at(-1)?.downloads ?? {});
  const series: GraphSeries[] = [
    {
      key: 'up',
      label: 'Up',
      tone: 'series-up',
      points: rateSeries(samples, (s) => s.sentBytes),
    },
    {
      key: 'down',
      label: 'Down',
      tone: 'series-down',
      points: rateSeries(samples, (s) => s.receivedBytes),
    },
    ...downloading.map((game, i) => ({
      key: `game-${game}`,
      label: names.get(game) ?? game,
      tone: `series-${i % DOWNLOAD_TONES}`,
      points: rateSeries(samples, (s) => s.downloads[game]),
    })),
  ];
  const downloads = lanDownloads(library, peers, self, formatBytes);
  const copies = lastCopies(library, peers, self);
  const sources = topSources(peers, samples);
  const served = peers
    .filter((peer) => peer.sent_bytes > 0)
    .sort((a, b) => b.sent_bytes - a.sent_bytes);
  const hint = status === undefined ? null : discoveryHint(status.discovery, peers.length);

  return (
    <section aria-labelledby="view-title" className="party-board">
      <h2 id="view-title">Party board</h2>
      <div className="party-grid">
        <article className="party-panel party-wide" aria-labelledby="throughput-title">
          <h3 id="throughput-title">Throughput</h3>
          {samples.length < 2 ? (
            <p className="muted" aria-busy="true">
              Measuring…
            </p>
          ) : (
            <ThroughputGraph series={series} nowMs={nowMs} />
          )}
          {status !== undefined && (
            <small className="muted">
              Since the start: {formatBytes(status.traffic.sent_bytes)} sent,{' '}
              {formatBytes(status.traffic.received_bytes)} received.
            </small>
          )}
        </article>

        <article className="party-panel party-wide" aria-labelledby="downloads-title">
          <h3 id="downloads-title">Downloading now</h3>
          {downloads.length === 0 ? (
            <p className="muted empty">Nobody is downloading right now.</p>
          ) : (
            <ul className="lan-downloads">
              {downloads.map((d) => (
                <li key={`${d.who}/${d.game}`} data-game={d.game} data-who={d.who}>
                  <div className="lan-download-head">
                    <strong>{d.name}</strong>
                    <span className={d.self ? 'who self' : 'who'}>
                      {d.self ? `${d.who} (you)` : d.who}
                    </span>
                  </div>
                  <progress
                    max={1}
                    value={d.fraction ?? undefined}
                    aria-label={`${d.name}, ${d.who}`}
                  />
                  <small className="muted">
                    {d.fraction === null
                      ? d.detail
                      : `${Math.floor(d.fraction * 100)} % · ${d.detail}`}
                  </small>
                </li>
              ))}
            </ul>
          )}
        </article>

        <article className="party-panel" aria-labelledby="sources-title">
          <h3 id="sources-title">Top sources</h3>
          {sources.length === 0 ? (
            <p className="muted empty">No peer has sent you game files yet.</p>
          ) : (
            <ol className="top-sources">
              {sources.map((s) => (
                <li key={s.peerId} data-peer={s.name}>
                  <strong>{s.name}</strong> sent you {formatBytes(s.receivedBytes)}
                  {s.bytesPerSecond > 0 && (
                    <span className="serving"> · serving {formatRate(s.bytesPerSecond)}</span>
                  )}
                </li>
              ))}
            </ol>
          )}
          {served.length > 0 && (
            <p className="served muted">
              You served:{' '}
              {served.map((peer) => `${peer.name} ${formatBytes(peer.sent_bytes)}`).join(', ')}.
            </p>
          )}
        </article>

        <article className="party-panel" aria-labelledby="copies-title">
          <h3 id="copies-title">Last copies</h3>
          {copies.length === 0 ? (
            <p className="muted empty">Every game on the LAN is held by two peers or more.</p>
          ) : (
            <ul className="last-copies">
              {copies.map((c) => (
                <li key={c.game} data-game={c.game}>
                  <strong>{c.name}</strong>{' '}
                  {c.self ? (
                    <span>only you have it: stay until someone has a copy</span>
                  ) : (
                    <span>
                      last copy: ask <strong>{c.holder}</strong> to stay
                    </span>
                  )}
                  {c.downloaders > 0 && (
                    <small className="muted"> · {c.downloaders} downloading</small>
                  )}
                </li>
              ))}
            </ul>
          )}
        </article>

        <article className="party-panel party-wide" aria-labelledby="reach-title">
          <h3 id="reach-title">Peers and reachability</h3>
          {hint !== null && (
            <p className="banner warning" role="status">
              {hint}
            </p>
          )}
          <PeerReachability peers={peers} status={status} nowMs={nowMs} />
        </article>
      </div>
    </section>
  );
}

function PeerReachability(props: {
  peers: PeerRow[];
  status: StatusResult | undefined;
  nowMs: number;
}) {
  const unreachable = props.status?.unreachable_peers ?? [];
  const interfaces = props.status?.discovery.interfaces ?? [];
  const ours = props.status?.software_version ?? null;
  if (props.peers.length === 0 && unreachable.length === 0)
    return <p className="muted empty">No other peer found yet.</p>;
  return (
    <ul className="reach-list">
      {props.peers.map((peer) => (
        <li key={peer.peer_id} data-peer={peer.name}>
          <div className="reach-head">
            <strong title={peer.peer_id}>{peer.name}</strong>
            <span className="reach ok">connected</span>
          </div>
          <small className="muted">
            <code>{peer.addr}</code> · <PeerVersion theirs={peer.software} ours={ours} /> · seen{' '}
            {formatAge(props.nowMs - peer.last_seen_ms)}
          </small>
        </li>
      ))}
      {unreachable.map((peer) => (
        <li key={peer.peer_id} data-peer={peer.peer_id.slice(0, 12)}>
          <div className="reach-head">
            <strong title={peer.peer_id}>
              <code>{peer.peer_id.slice(0, 12)}</code>
            </strong>
            <span className="reach bad">unreachable</span>
          </div>
          <p className="reach-why">{CAUSE_SENTENCES[unreachableCause(peer, interfaces)]}</p>
          <small className="muted">
            <code>{peer.addr}</code> · found by {peer.via} ·{' '}
            <PeerVersion theirs={peer.software} ours={ours} /> ·{' '}
            {peer.failures === 1 ? 'one try' : `${peer.failures} tries`}, the last{' '}
            {formatAge(props.nowMs - peer.last_failed_ms)}
          </small>
        </li>
      ))}
    </ul>
  );
}

/** A peer's lanspread release, marked when it is not ours. */
function PeerVersion(props: { theirs: string | null; ours: string | null }) {
  const { text, warning } = versionLabel(props.theirs, props.ours);
  return (
    <span className="peer-version">
      {text}
      {warning !== null && (
        <>
          {' — '}
          <strong className="version-skew">{warning}</strong>
        </>
      )}
    </span>
  );
}
