/** The page's view of the peer: lists fetched from the API, kept live by the event stream, and the commands that change them. */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiFailure, api } from './api-client.js';
import type {
  ApiError,
  CatalogRow,
  GamesResult,
  PeerEvent,
  PeerRow,
  PlayResult,
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
  run: (cmd: GameCommand, game: string) => Promise<void>;
  refresh: () => void;
  setSettings: (settings: SettingsView) => void;
  dismissNotice: () => void;
}

const EMPTY_GAMES: GamesResult = { local: [], remote: [] };
const BLANK_OPERATION: Operation = {
  phase: 'starting',
  bytesDone: 0,
  bytesTotal: 0,
  mibPerS: 0,
  activePeers: 0,
  startedMs: 0,
};
const PHASE_OF: Partial<Record<GameCommand, Operation['phase']>> = {
  download: 'starting',
  install: 'install',
  uninstall: 'uninstall',
  update: 'starting',
  'remove-files': 'remove-files',
  'stream-install': 'starting',
};

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
  const [failures, setFailures] = useState<Record<string, ApiError>>({});
  const [live, setLive] = useState(false);
  const [loadError, setLoadError] = useState<ApiError>();
  const [notice, setNotice] = useState<string>();
  const refreshTimer = useRef<number | undefined>(undefined);
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
      setLoadError(undefined);
      // Operations started elsewhere (another tab, the CLI) or before a reload still show.
      setOperations((current) => {
        // One just asked for may not be registered yet when this answer was made.
        const next = Object.fromEntries(
          Object.entries(current).filter(([, op]) => op.phase === 'starting'),
        );
        for (const { game, kind } of status.active_operations) {
          const phase =
            kind === 'uninstall' || kind === 'install' || kind === 'stream-install'
              ? kind
              : 'download';
          next[game] = current[game] ?? { ...BLANK_OPERATION, phase };
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

  const updateOperation = useCallback((game: string, change: Partial<Operation> | null) => {
    setOperations((current) => {
      if (change === null) return withoutKey(current, game);
      return { ...current, [game]: { ...(current[game] ?? BLANK_OPERATION), ...change } };
    });
  }, []);

  const onEvent = useCallback(
    (event: PeerEvent) => {
      switch (event.event) {
        case 'local-library-changed':
          setGames((current) => ({ ...current, local: event.games }));
          refreshSoon();
          return;
        case 'download-begin':
          setFailures((current) => withoutKey(current, event.game));
          setOperations((current) => {
            const op = current[event.game] ?? BLANK_OPERATION;
            const phase = op.phase === 'stream-install' ? op.phase : 'download';
            return {
              ...current,
              [event.game]: {
                ...op,
                phase,
                bytesTotal: event.bytes,
                bytesDone: 0,
                startedMs: Date.now(),
              },
            };
          });
          return;
        case 'download-chunk-finished':
          // A streamed install reports entries, not progress: its bytes and speed are counted here.
          setOperations((current) => {
            const op = current[event.game];
            if (op?.phase !== 'stream-install') return current;
            const bytesDone = op.bytesDone + event.length;
            const seconds = Math.max((Date.now() - op.startedMs) / 1000, 0.001);
            const mibPerS = bytesDone / (1024 * 1024) / seconds;
            return { ...current, [event.game]: { ...op, bytesDone, mibPerS, activePeers: 1 } };
          });
          return;
        case 'download-progress':
          updateOperation(event.game, {
            bytesDone: event.bytes_done,
            bytesTotal: event.bytes_total,
            mibPerS: event.mib_per_s,
            activePeers: event.active_peers,
          });
          return;
        case 'install-begin':
          updateOperation(event.game, { phase: 'install' });
          return;
        case 'download-failed':
        case 'install-failed':
          if (event.code !== 'cancelled') {
            setFailures((current) => ({
              ...current,
              [event.game]: { code: event.code, message: event.message },
            }));
          }
          updateOperation(event.game, null);
          refreshSoon();
          return;
        case 'download-cancelled':
        case 'install-finished':
        case 'uninstall-finished':
          updateOperation(event.game, null);
          refreshSoon();
          return;
        default:
          // Peers joining, leaving or changing their library change the remote rows and peers list.
          if (event.event !== 'download-peer-dropped' && event.event !== 'download-finished')
            refreshSoon();
      }
    },
    [refreshSoon, updateOperation],
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
    async (cmd: GameCommand, game: string) => {
      const phase = PHASE_OF[cmd];
      // A new try replaces the last failure shown; a cancel is no new try.
      if (cmd !== 'cancel-download') setFailures((current) => withoutKey(current, game));
      if (phase !== undefined) {
        updateOperation(game, cmd === 'stream-install' ? { phase: 'stream-install' } : { phase });
      }
      try {
        const result = await api.command(cmd, { game });
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
        if (phase !== undefined) updateOperation(game, null);
      } catch (err) {
        const error = apiError(err);
        if (phase !== undefined) updateOperation(game, null);
        if (error.code !== 'cancelled') setFailures((current) => ({ ...current, [game]: error }));
      } finally {
        refreshSoon();
      }
    },
    [refreshSoon, updateOperation],
  );

  const library = useMemo(
    () => buildLibrary({ catalog, games, operations, failures, freeBytes: settings?.free_bytes }),
    [catalog, games, operations, failures, settings],
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
