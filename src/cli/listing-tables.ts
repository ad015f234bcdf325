/** The `games` and `peers` listings as aligned text tables; pure, no I/O. */
import type { Availability, CatalogRow, GameRow, PeerRow, RemoteRow } from '../peer/index.js';
import { formatAge, formatBytes } from '../human-units.js';
import { terminalText } from '../terminal-text.js';

/**
 * Left-aligned columns two spaces apart; the last column is not padded (no trailing blanks).
 * Cells may hold remote text (a peer's name): what a terminal would act on is dropped.
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const all = [header, ...rows].map((row) => row.map(terminalText));
  const widths = header.map((_, col) => Math.max(...all.map((row) => (row[col] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col] ?? 0)))
        .join('  '),
    )
    .join('\n');
}

/** What runs on a game here, in the table's words. */
const BUSY_WORDS: Partial<Record<Availability, string>> = {
  Downloading: 'downloading',
  Installing: 'installing',
  Updating: 'updating',
  Uninstalling: 'uninstalling',
  Removing: 'removing',
};

/** One word or two for where a game stands from here. */
export function gameState(local: GameRow | undefined, remote: RemoteRow | undefined): string {
  const busy = local === undefined ? undefined : BUSY_WORDS[local.availability];
  if (busy !== undefined) return busy;
  if (local?.installed === true) return 'installed';
  if (local?.downloaded === true) return 'downloaded';
  const peers = remote?.peer_count ?? 0;
  if (peers > 0) return `on ${peers} peer${peers === 1 ? '' : 's'}`;
  return 'no source';
}

/**
 * Every game of the catalog, merged with the local and remote rows by id: like the web UI, a
 * catalog game nobody here or on the LAN has is listed as `no source`.
 */
export function formatGamesTable(list: {
  local: GameRow[];
  remote: RemoteRow[];
  catalog?: readonly Pick<CatalogRow, 'id' | 'name' | 'size'>[];
}): string {
  const catalog = list.catalog ?? [];
  const ids = [
    ...new Set([
      ...list.local.map((g) => g.id),
      ...list.remote.map((g) => g.id),
      ...catalog.map((g) => g.id),
    ]),
  ];
  if (ids.length === 0) return 'no games here, and no connected peer shares any';
  const rows = ids
    .sort((a, b) => a.localeCompare(b))
    .map((id) => {
      const local = list.local.find((g) => g.id === id);
      const remote = list.remote.find((g) => g.id === id);
      const entry = catalog.find((g) => g.id === id);
      // A streamed install keeps no archives: its root is 0 bytes, the peers' copy says more.
      const size = local?.size || remote?.size || entry?.size || 0;
      const name = local?.name ?? remote?.name ?? entry?.name ?? '';
      return [id, name, size > 0 ? formatBytes(size) : '-', gameState(local, remote)];
    });
  return formatTable(['ID', 'NAME', 'SIZE', 'STATE'], rows);
}

export function formatPeersTable(peers: readonly PeerRow[], nowMs: number): string {
  if (peers.length === 0) return 'no peers connected';
  const rows = [...peers]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((p) => [
      p.name,
      p.addr,
      // Mixed builds at a party are a real cause of trouble: the version shows which is which.
      p.software ?? 'unknown',
      String(p.games.length),
      formatAge(nowMs - p.last_seen_ms),
    ]);
  return formatTable(['NAME', 'ADDRESS', 'LANSPREAD', 'GAMES', 'LAST SEEN'], rows);
}
