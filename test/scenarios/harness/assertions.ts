/** Small typed readers of peer answers used by several scenarios. */
import assert from 'node:assert/strict';
import type { GameRow, LocalGameRow, PeerRow, RemoteRow } from '../../../src/peer/index.js';
import type { Answer, Json, PeerProcess } from './peer-process.js';

// The rows are the peer's contract types: the harness reads what the peer promises to write.
export type { GameRow, LocalGameRow, PeerRow, RemoteRow };

export async function listGames(
  peer: PeerProcess,
): Promise<{ local: LocalGameRow[]; remote: RemoteRow[] }> {
  return peer.cmd('list-games');
}

export async function listPeers(peer: PeerProcess): Promise<PeerRow[]> {
  return peer.cmd('list-peers');
}

/** `id=count` pairs of the remote rows, sorted, for compact evidence. */
export function remoteCounts(rows: readonly RemoteRow[]): string {
  return rows.map((r) => `${r.id}=${r.peer_count}`).join(' ');
}

export function assertNoDuplicateIds(rows: readonly { id: string }[]): void {
  const ids = rows.map((r) => r.id);
  assert.deepEqual(ids, [...new Set(ids)], `duplicate rows: ${ids.join(',')}`);
}

/** Connects `from` to `to` and waits until both sides list each other. */
export async function link(from: PeerProcess, to: PeerProcess): Promise<void> {
  const { peer_id } = await from.cmd<{ peer_id: string }>('connect', { addr: to.addr });
  assert.equal(peer_id, to.peerId);
  await to.waitEvent((e) => e.event === 'peer-connected' && e.peer_id === from.peerId);
}

/** Sends `download` and returns its answer together with the events it produced. */
export async function download(
  peer: PeerProcess,
  game: string,
  opts: { install?: boolean; timeoutMs?: number } = {},
): Promise<{ answer: Answer; events: Json[] }> {
  const from = peer.events.length;
  const answer = await peer.request(
    'download',
    { game, install: opts.install ?? false },
    opts.timeoutMs ?? 120_000,
  );
  return { answer, events: peer.events.slice(from).filter((e) => e.game === game) };
}

/** Resolves once `peer` reported `count` finished chunks since its event number `from`. */
export function chunksAfter(peer: PeerProcess, from: number, count: number): Promise<Json> {
  return peer.waitEvent(
    () =>
      peer.events.slice(from).filter((e) => e.event === 'download-chunk-finished').length >= count,
    30_000,
    from,
  );
}

/** Bytes per source address from `download-chunk-finished` events. */
export function bytesBySource(events: readonly Json[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) {
    if (e.event !== 'download-chunk-finished') continue;
    const addr = String(e.peer_addr);
    out.set(addr, (out.get(addr) ?? 0) + Number(e.length));
  }
  return out;
}

export function eventNames(events: readonly Json[]): string[] {
  return [...new Set(events.map((e) => String(e.event)))];
}

/** The source's outbound transfer count for `game` returns to zero (the seed's lifecycle bug). */
export async function assertNoOutbound(source: PeerProcess, game: string): Promise<void> {
  for (let i = 0; ; i++) {
    const status = await source.cmd<{ outbound_transfers: Record<string, number> }>('status');
    if (status.outbound_transfers[game] === undefined) return;
    assert.ok(i < 50, `${source.name} still reports ${game} outbound: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
