/** The page's view of the peer: lists fetched from the API, kept live by the event stream, and the commands that change them. */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiFailure, api } from './api-client.js';
import { foldProgress, startProgress } from '../../src/progress-fold.js';
import type {
  ActiveOperation,
  ApiError,
  CatalogRow,
  GamesResult,
  PeerEvent,
  PeerRow,
  PlayResult,
  QueueRow,
  SettingsView,
} from './api-types.js';
import { openEventStream } from './event-stream.js';
import { buildLibrary, type LibraryGame, type Operation } from './game-model.js';

export type GameCommand =
  | 'download'
  | 'install'
  | 'uninstall'
  | 'update'
  | 'remove-files'
  | 'stream-install'
  | 'cancel-download'
  | 'pause-download'
  | 'resume-download'
  | 'move-download'
  | 'play'
  | 'start-server';

export interface PeerState {
  library: LibraryGame[];
  peers: PeerRow[];
  settings: SettingsView | undefined;
  selfName: string;
  /** Whether the event stream is open; while it is not, what is shown may be stale. */
  live: boolean;
  /** Set when the lists could not be loaded at all. */
  loadError: ApiError | undefined;
  notice: string | undefined;
  /** `args`: the command's other arguments (move-download's `position`). */
  run: (cmd: GameCommand, game: string, args?: Record<string, unknown>) => Promise<void>;
  refresh: () => void;
  setSettings: (settings: SettingsView) => void;
  dismissNotice: () => void;
}

const EMPTY_GAMES: GamesResult = { local: [], remote: [] };
/** The commands that run as an operation, by the kind `status` reports it under. */
const KIND_OF: Partial<Record<GameCommand, ActiveOperation['kind']>> = {
  download: 'download',
  install: 'install',
  uninstall: 'uninstall',
  update: 'update',
  'remove-files': 'remove-files',
  'stream-install': 'stream-install',
};
/** Events that only move an operation along; every other event may change the lists. */
const PROGRESS_ONLY = new Set<PeerEvent['event']>([
  'got-game-files',
  'download-begin',
  'download-chunk-finished',
  'download-progress',
  'download-peer-dropped',
  'download-finished',
  'install-begin',
]);

function newOperation(kind: ActiveOperation['kind'], game: string): Operation {
  return { kind, progress: startProgress(game, Date.now()) };
}

function apiError(err: unknown): ApiError {
  return err instanceof ApiFailure
    ? { code: err.code, message: err.message }
    : { code: 'internal', message: String(err) };
}

export function usePeerState(): PeerState {
  const [catalog, setCatalog] = useState<CatalogRow[]>([]);
  const [games, setGames] = useState<GamesResult>(EMPTY_GAMES);
  const [peers, setPeers] = useState<PeerRow[]>([]);
  const [settings, setSettings] = useState<SettingsView>();
  const [selfName, setSelfName] = useState('');
  const [operations, setOperations] = useState<Record<string, Operation>>({});
  const [queue, setQueue] = useState<QueueRow[]>([]);
  const [failures, setFailures] = useState<Record<string, ApiError>>({});
  const [live, setLive] = useState(false);
  const [loadError, setLoadError] = useState<ApiError>();
  const [notice, setNotice] = useState<string>();
  const refreshTimer = useRef<number | undefined>(undefined);
  /** Games whose command this page sent and awaits: their answer, not an event, ends them. */
  const awaited = useRef(new Set<string>());
  const catalogRef = useRef(catalog);
  catalogRef.current = catalog;

  const fetchAll = useCallback(async () => {
    try {
      const [catalogResult, gamesResult, peerRows, settingsResult, status] = await Promise.all([
        api.catalog(),
        api.games(),
        api.peers(),
        api.settings(),
        api.status(),
      ]);
      setCatalog(catalogResult.games);
      setGames(gamesResult);
      setPeers(peerRows);
      setSettings(settingsResult);
      setSelfName(status.name);
      setQueue(status.queue);
      setLoadError(undefined);
      // Operations started elsewhere (another tab, the CLI) or before a reload still show.
      setOperations((current) => {
        // One just asked for may not be registered yet when this answer was made.
        const next = Object.fromEntries(
          Object.entries(current).filter(([game]) => awaited.current.has(game)),
        );
        for (const { game, kind } of status.active_operations) {
          next[game] = current[game] ?? newOperation(kind, game);
        }
        return next;
      });
    } catch (err) {
      setLoadError(apiError(err));
    }
  }, []);

  // Bursts of events (a peer joining sends several) give one refetch.
  const refreshSoon = useCallback(() => {
    window.clearTimeout(refreshTimer.current);
    refreshTimer.current = window.setTimeout(() => void fetchAll(), 150);
  }, [fetchAll]);

  const onEvent = useCallback(
    (event: PeerEvent) => {
      if (event.event === 'local-library-changed') {
        setGames((current) => ({ ...current, local: event.games }));
      } else if (event.event === 'download-queue-changed') {
        setQueue(event.queue);
      } else if ('game' in event) {
        const now = Date.now();
        setOperations((current) => {
          const op = current[event.game];
          if (op === undefined) return current;
          const progress = foldProgress(op.progress, event, now);
          return progress === op.progress
            ? current
            : { ...current, [event.game]: { ...op, progress } };
        });
      }
      // An outcome ends the operation through its answer (ours) or the refreshed status (another's).
      if (!PROGRESS_ONLY.has(event.event)) refreshSoon();
    },
    [refreshSoon],
  );

  useEffect(() => {
    void fetchAll();
    return openEventStream({
      onEvent,
      onOpen: () => {
        setLive(true);
        void fetchAll();
      },
      onClose: () => {
        setLive(false);
      },
    });
  }, [fetchAll, onEvent]);

  const run = useCallback(
    async (cmd: GameCommand, game: string, args: Record<string, unknown> = {}) => {
      const kind = KIND_OF[cmd];
      // A new try replaces the last failure shown; a cancel is no new try.
      if (cmd !== 'cancel-download') setFailures((current) => withoutKey(current, game));
      if (kind !== undefined) {
        awaited.current.add(game);
        setOperations((current) => ({ ...current, [game]: newOperation(kind, game) }));
      }
      try {
        const result = await api.command(cmd, { ...args, game });
        const name = catalogRef.current.find((entry) => entry.id === game)?.name ?? game;
        if (cmd === 'play') {
          const played = result as PlayResult;
          // Stamped but not started: the card says why, as it does for a failure.
          if (played.launch_error !== null) {
            const failure = played.launch_error;
            setFailures((current) => ({ ...current, [game]: failure }));
          } else setNotice(playNotice(name, played));
        }
        if (cmd === 'start-server')
          setNotice(`The server of ${name} is starting in its own window.`);
      } catch (err) {
        // The answer is the outcome: its failure is the one the card shows.
        const error = apiError(err);
        // A cancel or pause the player asked for is no failure; the queue shows a paused one.
        if (error.code !== 'cancelled' && error.code !== 'paused')
          setFailures((current) => ({ ...current, [game]: error }));
      } finally {
        if (kind !== undefined) {
          awaited.current.delete(game);
          setOperations((current) => withoutKey(current, game));
        }
        refreshSoon();
      }
    },
    [refreshSoon],
  );

  const library = useMemo(
    () =>
      buildLibrary({
        catalog,
        games,
        operations,
        failures,
        freeBytes: settings?.free_bytes,
        queue,
      }),
    [catalog, games, operations, failures, settings, queue],
  );

  return {
    library,
    peers,
    settings,
    selfName,
    live,
    loadError,
    notice,
    run,
    refresh: refreshSoon,
    setSettings,
    dismissNotice: () => {
      setNotice(undefined);
    },
  };
}

function withoutKey<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  return Object.fromEntries(Object.entries(record).filter(([k]) => k !== key));
}

function playNotice(name: string, result: PlayResult): string {
  return result.already_applied
    ? `${name} is starting.`
    : `${name} is starting: your name and language were written into it.`;
}
