/** Small typed readers of peer answers used by several scenarios. */
import assert from 'node:assert/strict';
import type { PeerProcess } from './peer-process.js';

export interface GameRow {
  id: string;
  name: string;
  eti_game_version: string;
  downloaded: boolean;
  installed: boolean;
  availability: string;
  size: number;
}
export interface RemoteRow {
  id: string;
  name: string;
  eti_game_version: string;
  peer_count: number;
  size: number;
}
export interface PeerRow {
  peer_id: string;
  name: string;
  addr: string;
  games: GameRow[];
  last_seen_ms: number;
}

export async function listGames(peer: PeerProcess): Promise<{ local: GameRow[]; remote: RemoteRow[] }> {
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
