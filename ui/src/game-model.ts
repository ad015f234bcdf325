/** Merges the catalog, the local and remote rows and the running operations into one entry per game, with its state in words and its one main action. */
import type {
  ActiveOperation,
  ApiError,
  Availability,
  CatalogRow,
  GamesResult,
  LocalGameRow,
  QueueRow,
} from './api-types.js';
import { formatBytes } from '../../src/human-units.js';
import type { Progress } from '../../src/progress-fold.js';

/** A running operation: what was asked, and its progress folded from the events. */
export interface Operation {
  kind: ActiveOperation['kind'];
  progress: Progress;
}

export type MainAction =
  | { kind: 'play' }
  | { kind: 'install' }
  | { kind: 'download' }
  | { kind: 'update' }
  | { kind: 'stream-install'; why: string }
  | { kind: 'none'; why: string };

export interface LibraryGame {
  id: string;
  name: string;
  description: string | null;
  /** Bytes of the game root (the catalog's figure when nobody has it yet). */
  size: number;
  catalogVersion: string;
  /** The catalog holds a digest of the game's files: only peers with exactly those are used. */
  verified: boolean;
  genre: string | null;
  maxPlayers: number | null;
  releaseYear: number | null;
  /** The catalog has cover art for it (else the card draws a placeholder). */
  hasCover: boolean;
  local: LocalGameRow | undefined;
  peerCount: number;
  /** Peers downloading it now, serving what they have (never counted in peerCount). */
  partialPeerCount: number;
  operation: Operation | undefined;
  /** Its place in the download queue, while it is there. */
  queue: QueueRow | undefined;
  failure: ApiError | undefined;
  state: string;
  action: MainAction;
}

export interface LibraryInputs {
  catalog: CatalogRow[];
  games: GamesResult;
  operations: Record<string, Operation>;
  failures: Record<string, ApiError>;
  /** Free bytes in the games folder; null when the server cannot tell, undefined until loaded. */
  freeBytes: number | null | undefined;
  /** `status.queue`; none until loaded. */
  queue?: QueueRow[];
}

export function buildLibrary(inputs: LibraryInputs): LibraryGame[] {
  const local = new Map(inputs.games.local.map((row) => [row.id, row]));
  const remote = new Map(inputs.games.remote.map((row) => [row.id, row]));
  const queue = new Map((inputs.queue ?? []).map((row) => [row.game, row]));
  return inputs.catalog.map((entry) => {
    const row = local.get(entry.id);
    const remoteRow = remote.get(entry.id);
    const size = remoteRow?.size || row?.size || entry.size || 0;
    const game = {
      id: entry.id,
      name: entry.name,
      description: entry.description,
      size,
      catalogVersion: entry.version,
      verified: entry.manifest_digest !== null,
      genre: entry.genre,
      maxPlayers: entry.max_players,
      releaseYear: entry.release_year,
      hasCover: entry.has_cover,
      local: row,
      peerCount: remoteRow?.peer_count ?? 0,
      partialPeerCount: remoteRow?.partial_peer_count ?? 0,
      operation: inputs.operations[entry.id],
      queue: queue.get(entry.id),
      failure: inputs.failures[entry.id],
    };
    return { ...game, state: stateWords(game), action: mainAction(game, inputs.freeBytes) };
  });
}

type GameFacts = Omit<LibraryGame, 'state' | 'action'>;

/** A row's availability in words; while an operation runs on a game here, that operation. */
export const AVAILABILITY_WORDS: Record<Availability, string> = {
  Ready: 'ready to share',
  LocalOnly: 'installed only, not shared',
  NotAvailable: 'not shareable',
  Downloading: 'downloading',
  Installing: 'installing',
  Updating: 'updating',
  Uninstalling: 'uninstalling',
  Removing: 'removing files',
};

export function isOutdated(game: GameFacts): boolean {
  return game.local?.downloaded === true && game.local.eti_game_version < game.catalogVersion;
}

function sources(count: number, downloading: number): string {
  const on = count === 1 ? 'on 1 peer' : `on ${count} peers`;
  return downloading === 0 ? on : `${on}, ${downloading} downloading`;
}

function stateWords(game: GameFacts): string {
  const op = game.operation;
  if (op !== undefined) {
    if (op.kind === 'uninstall') return 'uninstalling…';
    if (op.kind === 'remove-files') return 'removing files…';
    const { phase, bytesDone, bytesTotal } = op.progress;
    if (phase === 'installing' || (op.kind === 'install' && phase === 'starting'))
      return 'installing…';
    if (phase === 'starting') return 'starting…';
    // Downloaded, or ended: the answer, which closes the operation, is on its way.
    if (phase !== 'downloading') return 'finishing…';
    const percent =
      bytesTotal !== null && bytesTotal > 0 ? Math.floor((bytesDone / bytesTotal) * 100) : 0;
    return `${op.kind === 'stream-install' ? 'stream-installing' : 'downloading'} ${percent} %`;
  }
  if (game.queue?.state === 'paused') return `paused (#${game.queue.position} in the queue)`;
  // Restored after a restart, or its peers left: it starts by itself once one is back.
  if (game.queue !== undefined && game.peerCount === 0 && game.partialPeerCount === 0)
    return `queued (#${game.queue.position}), waiting for a peer that has it`;
  if (game.queue !== undefined) return `queued (#${game.queue.position})`;
  const row = game.local;
  if (row?.running === true) return 'running';
  if (row?.installed === true) {
    return isOutdated(game) && game.peerCount > 0 ? 'installed, update available' : 'installed';
  }
  if (row?.downloaded === true)
    return isOutdated(game) ? 'downloaded, older version' : 'downloaded';
  if (game.peerCount > 0) return sources(game.peerCount, game.partialPeerCount);
  return 'no source on the LAN';
}

function mainAction(game: GameFacts, freeBytes: number | null | undefined): MainAction {
  const row = game.local;
  if (row?.running === true) return { kind: 'none', why: 'The game is running.' };
  if (row?.installed === true) return { kind: 'play' };
  if (isOutdated(game) && game.peerCount > 0) return { kind: 'update' };
  if (row?.downloaded === true) return { kind: 'install' };
  if (game.peerCount === 0) return { kind: 'none', why: 'No peer on the LAN has this game.' };
  // A download keeps the archive beside the installed files; stored archives unpack to about their own size.
  const needed = game.size * 2;
  if (typeof freeBytes === 'number' && freeBytes < needed) {
    return {
      kind: 'stream-install',
      why: `Only ${formatBytes(freeBytes)} free: the archive and the install together need about ${formatBytes(needed)}. Stream install writes only the installed files.`,
    };
  }
  return { kind: 'download' };
}

export const ACTION_LABELS: Record<Exclude<MainAction['kind'], 'none'>, string> = {
  play: 'Play',
  install: 'Install',
  download: 'Download & install',
  update: 'Update',
  'stream-install': 'Stream install',
};

export type LibraryFilter = 'all' | 'installed' | 'lan';
export type LibrarySort = 'name' | 'size' | 'sources';

/** Narrowing by the catalog's metadata: one genre, and games for at least N players. */
export interface MetadataFilter {
  genre: string | null;
  minPlayers: number | null;
}

export const NO_METADATA_FILTER: MetadataFilter = { genre: null, minPlayers: null };

/** Every genre of the catalog once, alphabetically: the genre filter's choices. */
export function genresOf(games: readonly LibraryGame[]): string[] {
  const genres = new Set(games.flatMap((g) => (g.genre === null ? [] : [g.genre])));
  return [...genres].sort((a, b) => a.localeCompare(b));
}

/** "Shooter · up to 16 players · 1999": what the catalog says of the game, or '' when nothing. */
export function metadataWords(game: LibraryGame): string {
  const players =
    game.maxPlayers === null
      ? null
      : game.maxPlayers === 1
        ? 'single player'
        : `up to ${game.maxPlayers} players`;
  return [game.genre, players, game.releaseYear].filter((w) => w !== null).join(' · ');
}

export function selectGames(
  games: LibraryGame[],
  query: string,
  filter: LibraryFilter,
  sort: LibrarySort,
  metadata: MetadataFilter = NO_METADATA_FILTER,
): LibraryGame[] {
  const needle = query.trim().toLowerCase();
  const shown = games.filter((game) => {
    if (needle !== '' && !`${game.name} ${game.id}`.toLowerCase().includes(needle)) return false;
    if (metadata.genre !== null && game.genre !== metadata.genre) return false;
    // A game whose player count the catalog does not give is not known to fit.
    if (metadata.minPlayers !== null && (game.maxPlayers ?? 0) < metadata.minPlayers) return false;
    if (filter === 'installed') return game.local?.installed === true;
    if (filter === 'lan') return game.peerCount > 0;
    return true;
  });
  const byName = (a: LibraryGame, b: LibraryGame): number => a.name.localeCompare(b.name);
  const order: Record<LibrarySort, (a: LibraryGame, b: LibraryGame) => number> = {
    name: byName,
    size: (a, b) => b.size - a.size || byName(a, b),
    sources: (a, b) => b.peerCount - a.peerCount || byName(a, b),
  };
  return shown.sort(order[sort]);
}
