/** The peer runtime: composes catalog, library, identity, transport and peer table behind one command API. */
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { openCatalog, type Catalog, type CatalogGame } from '../catalog/index.js';
import { Discovery, type DiscoveryStatus } from '../discovery/index.js';
import { LanspreadError, errorMessage } from '../errors.js';
import { isGameId, type GameId, type PeerId } from '../ids.js';
import { loadOrCreateIdentity, type Identity } from '../identity/index.js';
import {
  readGameVersion,
  scanLibrary,
  watchLibrary,
  type LibraryWatcher,
  type LocalGame,
} from '../library/index.js';
import type { Logger } from '../logger.js';
import { Transport, type Connection } from '../net/index.js';
import {
  DEFAULT_LIVENESS,
  DialBackoff,
  PeerSession,
  PeerTable,
  aggregateRemote,
  livenessFor,
  type LivenessTimings,
  type LostReason,
  type SessionHandlers,
} from '../peers/index.js';
import { PROTOCOL_VERSION, type WireGame } from '../protocol/index.js';
import {
  HashCache,
  OutboundTransfers,
  TransferClient,
  downloadGame,
  listGameFiles,
  serveTransferConnection,
  type DownloadSource,
  type ServeContext,
} from '../transfer/index.js';
import { embeddedUnrar, externalUnrar, type ArchiveProvider } from '../archive/index.js';
import {
  IntentStore,
  discardStaging,
  installGame,
  recoverIntents,
  removeGameFiles,
  streamInstallGame,
  swapInStaging,
  trashPath,
  uninstallGame,
  updatePaths,
  type Intent,
} from '../install/index.js';
import type { PeerCommand } from './contract.js';
import type {
  CatalogRow,
  CommandResult,
  LocalGameRow,
  PeerEvent,
  PeerEventListener,
  PeerRow,
  RemoteRow,
  StatusResult,
} from './contract.js';
import { downloadFinished, transferEvent } from './event-mapping.js';
import { GameLauncher } from './game-launcher.js';
import { formatHostPort, parseHostPort } from '../host-port.js';
import { advertise, diffAdvert } from './library-advert.js';
import { Operations, type OperationHandle } from './operations.js';
import { serialCoalesced } from './rescan-queue.js';
import { catalogRow, localGameRow, peerRow, remoteGameRows, remoteRow } from './rows.js';
import { PeerSettings } from './settings-commands.js';
import { readSettings, type Settings } from './settings-file.js';

export interface PeerOptions {
  gamesDir: string;
  stateDir: string;
  /** Shown to other peers; defaults to the host name. */
  name?: string;
  listenHost: string;
  listenPort: number;
  /** Catalog database; the embedded default when absent. */
  catalogFile?: string;
  log: Logger;
  liveness?: LivenessTimings;
  /** Drop a silent peer after this long (`--peer-timeout`); 15 s by default. */
  peerTimeoutMs?: number;
  /** Bytes per chunk of a download; 32 MiB by default. */
  chunkSize?: number;
  /** The official unrar to extract with (`--unrar`); the embedded extractor when absent. */
  unrarPath?: string;
  /** Find peers by mDNS and the broadcast beacon (`--no-mdns` turns both off); off when absent. */
  discovery?: boolean;
  /** Safety-net rescan of the games folder behind the file watches; 30 s by default, 0 = off. */
  rescanIntervalMs?: number;
}

export const DEFAULT_CHUNK_SIZE = 32 * 1024 * 1024;
/** A lost peer is dialled again after this, then as the address's backoff allows. */
const REDIAL_FIRST_MS = 1_000;
const REDIAL_RETRY_MS = 5_000;

const DISCOVERY_OFF: DiscoveryStatus = {
  mdns: { enabled: false, running: false, announcements_sent: 0, answers_received: 0 },
  beacon: { enabled: false, running: false, port: 0, sent: 0, received: 0, ignored: 0 },
  interfaces: [],
  last_error: null,
};

export class Peer {
  readonly #log: Logger;
  readonly #catalog: Catalog;
  readonly #identity: Identity;
  readonly #transport: Transport;
  readonly #name: string;
  readonly #liveness: LivenessTimings;
  readonly #table = new PeerTable();
  readonly #sessions = new Map<PeerId, PeerSession>();
  readonly #listeners = new Set<PeerEventListener>();
  readonly #ignoredFolders = new Set<string>();
  readonly #operations = new Operations();
  readonly #dialBackoff = new DialBackoff();
  /** Addresses being dialled on a hint (a lost peer's, a discovery candidate's). */
  readonly #hintedDials = new Set<string>();
  readonly #redials = new Map<PeerId, NodeJS.Timeout>();
  /**
   * Control connections whose hello exchange is under way (our hello already sent); several to
   * one peer id when both sides dial.
   */
  readonly #handshaking = new Set<Connection>();
  /** Losses held back while another handshake with the same peer may replace the session. */
  readonly #heldLosses = new Map<PeerId, { addr: string; reason: LostReason }>();
  #discovery: Discovery | null = null;
  readonly #outbound: OutboundTransfers;
  readonly #hashCache: HashCache;
  readonly #chunkSize: number;
  readonly #serveContext: ServeContext;
  readonly #archiveProvider: ArchiveProvider;
  readonly #intents: IntentStore;
  readonly #launcher: GameLauncher;
  readonly #settings: PeerSettings;
  #gamesDir: string;
  #addr = '';
  #listenPort = 0;
  #library: LocalGame[] = [];
  #advert: WireGame[] = [];
  #closing = false;
  /** Connections other peers opened to us (TLS proven): none while peers are known hints at a firewall. */
  #inboundConnections = 0;
  #libraryWatcher: LibraryWatcher | undefined;
  readonly #rescanSerial = serialCoalesced(() => this.#rescanNow());
  /** A queued rescan should emit local-library-changed even when nothing changed. */
  #rescanAlways = false;

  private constructor(
    opts: PeerOptions,
    catalog: Catalog,
    identity: Identity,
    hashCache: HashCache,
    intents: IntentStore,
    settings: Settings,
  ) {
    this.#log = opts.log;
    this.#intents = intents;
    this.#hashCache = hashCache;
    this.#chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.#outbound = new OutboundTransfers(({ game, peerId }) => {
      this.#emit({ event: 'outbound-transfer-finished', game, peer_id: peerId });
    });
    this.#archiveProvider =
      opts.unrarPath === undefined ? embeddedUnrar : externalUnrar(opts.unrarPath);
    this.#serveContext = {
      lookup: (game) => ({
        entry: this.#catalog.get(game),
        game: this.#library.find((g) => g.id === game),
        activeOperation: this.#activeOperation(game),
        root: join(this.#gamesDir, game),
      }),
      hashCache,
      outbound: this.#outbound,
      log: opts.log,
      archiveProvider: this.#archiveProvider,
    };
    this.#catalog = catalog;
    this.#identity = identity;
    this.#gamesDir = resolve(opts.gamesDir);
    this.#name = opts.name ?? hostname();
    this.#liveness =
      opts.liveness ??
      (opts.peerTimeoutMs === undefined ? DEFAULT_LIVENESS : livenessFor(opts.peerTimeoutMs));
    this.#transport = new Transport({ identity, log: opts.log });
    this.#launcher = new GameLauncher(
      process.platform,
      (event) => {
        this.#emit(event);
      },
      opts.log,
    );
    this.#settings = new PeerSettings(opts.stateDir, settings, this, opts.log);
  }

  /** Opens the catalog and identity, scans the games folder and starts listening. */
  static async start(opts: PeerOptions, listener?: PeerEventListener): Promise<Peer> {
    const catalog = await openCatalog(opts.catalogFile);
    await ensureDir(opts.stateDir, 'state-dir-unusable', 'state folder');
    await ensureDir(opts.gamesDir, 'games-dir-unusable', 'games folder');
    const identity = await loadOrCreateIdentity(opts.stateDir, opts.log);
    const hashCache = await HashCache.open(opts.stateDir, opts.log);
    // Before the first scan, so no half-changed root is ever scanned or advertised.
    const intents = new IntentStore(opts.stateDir);
    await recoverIntents(intents, opts.log);
    const settings = await readSettings(opts.stateDir, opts.log);
    const peer = new Peer(opts, catalog, identity, hashCache, intents, settings);
    if (listener !== undefined) peer.#listeners.add(listener);
    await peer.#rescan({ always: true });
    peer.#transport.onConnection((conn) => {
      peer.#inboundConnections++;
      if (conn.role === 'transfer') serveTransferConnection(conn, peer.#serveContext);
      else void peer.#accept(conn);
    });
    const bound = await peer.#transport.listen(opts.listenHost, opts.listenPort);
    peer.#listenPort = bound.port;
    peer.#addr = formatHostPort(bound.host, bound.port);
    if (opts.discovery === true) await peer.#startDiscovery();
    await peer.#startLibraryWatch(opts.rescanIntervalMs);
    peer.#log.info(
      { peer_id: identity.peerId, addr: peer.#addr, catalog: catalog.source },
      'peer ready',
    );
    peer.#emit({ event: 'local-peer-ready', peer_id: identity.peerId, addr: peer.#addr });
    return peer;
  }

  get peerId(): PeerId {
    return this.#identity.peerId;
  }

  get addr(): string {
    return this.#addr;
  }

  /** The games folder in use (set-game-dir changes it). */
  get gamesDir(): string {
    return this.#gamesDir;
  }

  /** Every game of the catalog (the `catalog` command). */
  #catalogRows(): { source: string; games: CatalogRow[] } {
    return { source: this.#catalog.source, games: this.#catalog.all().map(catalogRow) };
  }

  /** The transferred files of a game's root here (none when it has no root). */
  async #gameFiles(id: string): Promise<{ path: string; size: number }[]> {
    const entry = this.#catalogGame(id);
    try {
      const files = await listGameFiles(join(this.#gamesDir, entry.id), this.#log);
      return files.map((f) => ({ path: f.path, size: f.size }));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  onEvent(listener: PeerEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Runs one command; failures throw a LanspreadError with the contract's code. */
  async execute(command: PeerCommand): Promise<CommandResult> {
    if (this.#closing && command.cmd !== 'shutdown') {
      throw new LanspreadError('shutting-down', 'the peer is shutting down');
    }
    switch (command.cmd) {
      case 'status':
        return { ...this.status() };
      case 'list-peers':
        return this.listPeers();
      case 'list-games':
        return { local: this.localRows(), remote: this.remoteRows() };
      case 'connect':
        return { peer_id: await this.connect(command.addr) };
      case 'catalog':
        return this.#catalogRows();
      case 'game-files':
        return { files: await this.#gameFiles(command.game) };
      case 'get-settings':
        return this.#settings.view();
      case 'set-settings':
        return this.#settings.update(command);
      case 'set-game-dir':
        return this.#settings.setGameDir(command.path);
      case 'wait-peers':
        return { peer_count: await this.waitPeers(command.count, command.timeout_ms) };
      case 'download':
        return this.#download(this.#catalogGame(command.game), command.install);
      case 'cancel-download': {
        const game = this.#catalogGame(command.game);
        if (!(await this.#operations.cancel(game.id))) {
          throw new LanspreadError('nothing-to-cancel', `no operation runs on ${game.id}`);
        }
        return { game: game.id };
      }
      case 'install':
        return this.#install(this.#catalogGame(command.game));
      case 'uninstall':
        return this.#uninstall(this.#catalogGame(command.game));
      case 'play':
      case 'start-server':
        return this.#launch(
          command.cmd,
          this.#catalogGame(command.game),
          this.#settings.player(command),
        );
      case 'stream-install':
        return this.#streamInstall(this.#catalogGame(command.game));
      case 'update':
        return this.#update(this.#catalogGame(command.game));
      case 'remove-files':
        return this.#removeFiles(this.#catalogGame(command.game));
      case 'shutdown':
        await this.shutdown();
        return {};
    }
  }

  status(): StatusResult {
    return {
      peer_id: this.#identity.peerId,
      name: this.#name,
      addr: this.#addr,
      peers: this.#table.size,
      active_operations: this.#operations.list(),
      outbound_transfers: this.#outbound.counts(),
      discovery: this.#discovery?.status() ?? DISCOVERY_OFF,
      inbound_peer_connections: this.#inboundConnections,
    };
  }

  localRows(): LocalGameRow[] {
    const rows: LocalGameRow[] = [];
    for (const game of this.#library) {
      const entry = this.#catalog.get(game.id);
      if (entry === undefined) continue;
      const launched = {
        running: this.#launcher.isRunning(game.id),
        serverRunning: this.#launcher.isServerRunning(game.id),
      };
      rows.push(localGameRow(game, entry, this.#activeOperation(game.id), launched));
    }
    return rows;
  }

  remoteRows(): RemoteRow[] {
    return aggregateRemote(this.#table.list(), this.#catalog).map(remoteRow);
  }

  listPeers(): PeerRow[] {
    return this.#table.list().map((record) => peerRow(record, this.#catalog));
  }

  /** Dials `host:port`, proves both identities and exchanges libraries; resolves to the remote id. */
  async connect(addr: string): Promise<PeerId> {
    const { host, port } = parseHostPort(addr);
    const known = this.#table.findByAddr(formatHostPort(host, port));
    if (known !== undefined) return known.peerId;
    const conn = await this.#transport.dial(host, port);
    return (await this.#establish(conn)).peerId;
  }

  async setGamesDir(path: string): Promise<LocalGameRow[]> {
    const busy = this.#operations.list();
    if (busy.length > 0) {
      // A running download writes into the old folder; switching under it would orphan it.
      throw new LanspreadError(
        'operation-in-progress',
        `cannot change the games folder while ${busy.map((o) => `${o.kind} of ${o.game}`).join(', ')} runs`,
      );
    }
    await ensureDir(path, 'games-dir-unusable', 'games folder');
    this.#gamesDir = resolve(path);
    this.#ignoredFolders.clear();
    await this.#libraryWatcher?.retarget(this.#gamesDir);
    await this.#rescan({ always: true });
    return this.localRows();
  }

  waitPeers(count: number, timeoutMs: number): Promise<number> {
    if (this.#table.size >= count) return Promise.resolve(this.#table.size);
    return new Promise((resolvePeers, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(
          new LanspreadError(
            'timeout',
            `${this.#table.size} of ${count} peers connected after ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const stop = this.onEvent((event) => {
        if (event.event === 'peer-connected' && this.#table.size >= count) {
          clearTimeout(timer);
          stop();
          resolvePeers(this.#table.size);
        }
      });
    });
  }

  /** Says goodbye to every peer so they drop us at once, then closes every socket. */
  async shutdown(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#libraryWatcher?.close();
    for (const timer of this.#redials.values()) clearTimeout(timer);
    this.#redials.clear();
    // mDNS says goodbye on every interface; a failure there must not stop the shutdown.
    await this.#discovery?.close().catch((err: unknown) => {
      this.#log.warn({ err: errorMessage(err) }, 'stopping discovery failed');
    });
    this.#operations.cancelAll();
    const ends = [...this.#sessions.values()].map(
      (session) =>
        new Promise<void>((done) => {
          session.connection.onClose(() => {
            done();
          });
          session.goodbye();
        }),
    );
    // The remote may already have adopted a connection whose hello exchange is still under way
    // here (a duplicate dial settling): it must hear the goodbye too, not see a bare close.
    for (const conn of this.#handshaking) {
      conn.send({ t: 'goodbye' });
      conn.close();
    }
    await Promise.race([Promise.all(ends), delay(1_000)]);
    await this.#transport.close();
    await this.#hashCache.flush();
    this.#log.info({}, 'peer stopped');
  }

  async #download(entry: CatalogGame, install: boolean): Promise<CommandResult> {
    const local = this.#library.find((g) => g.id === entry.id);
    if (local?.downloaded === true && local.version === entry.version) {
      return this.#afterDownload(entry, install);
    }
    if (install) this.#launcher.refuseWhileRunning(entry.id, 'reinstall');
    const sources = this.#requireSources(entry);
    const op = this.#operations.begin(entry.id, 'download');
    const root = join(this.#gamesDir, entry.id);
    try {
      await this.#intents.record({ kind: 'download', game: entry.id, root });
      await this.#downloadUnder(entry, sources, op, root);
      if (install) {
        // Peers learn of the new Ready root now, not after a long install; the rows say Installing.
        op.step('install');
        await this.#intents.record({ kind: 'install', game: entry.id, root });
        await this.#rescanAfter(entry.id, 'download');
        await this.#installUnder(entry, op, root);
      }
    } finally {
      await this.#clearIntent(entry.id);
      op.end();
      await this.#rescanAfter(entry.id, install ? 'install' : 'download');
    }
    return { game: entry.id };
  }

  async #downloadUnder(
    entry: CatalogGame,
    sources: DownloadSource[],
    op: OperationHandle,
    root: string,
  ): Promise<void> {
    try {
      await this.#rescan();
      const result = await downloadGame({
        game: entry,
        root,
        sources,
        chunkSize: this.#chunkSize,
        connect: (source, signal) => this.#connectTransfer(source, signal),
        emit: (event) => {
          this.#emit(transferEvent(event));
        },
        log: this.#log.child({ game: entry.id }),
        signal: op.signal,
      });
      this.#emit(downloadFinished({ game: entry.id, ...result }));
    } catch (err) {
      throw this.#reportFailure(entry, err, op);
    }
  }

  /** A cancel is `download-cancelled` (no failure shown); anything else `download-failed`. */
  #reportFailure(entry: CatalogGame, err: unknown, op: OperationHandle): LanspreadError {
    if (op.signal.aborted) {
      this.#emit({ event: 'download-cancelled', game: entry.id });
      return op.signal.reason instanceof LanspreadError
        ? op.signal.reason
        : new LanspreadError('cancelled', 'cancelled');
    }
    const failure =
      err instanceof LanspreadError
        ? err
        : new LanspreadError('download-failed', errorMessage(err), { cause: err });
    this.#log.warn({ game: entry.id, code: failure.code, err: failure.message }, 'download failed');
    this.#emit({
      event: 'download-failed',
      game: entry.id,
      code: failure.code,
      message: failure.message,
    });
    return failure;
  }

  /** A download whose root is already here installs it, when asked and not yet installed. */
  async #afterDownload(entry: CatalogGame, install: boolean): Promise<CommandResult> {
    const local = this.#localGame(entry.id);
    if (!install || local?.installed === true) return { game: entry.id };
    return this.#install(entry);
  }

  async #install(entry: CatalogGame): Promise<CommandResult> {
    if (this.#localGame(entry.id)?.downloaded !== true) {
      throw new LanspreadError(
        'not-downloaded',
        `${entry.id} has no complete root here to install from`,
      );
    }
    this.#launcher.refuseWhileRunning(entry.id, 'install');
    const op = this.#operations.begin(entry.id, 'install');
    const root = join(this.#gamesDir, entry.id);
    try {
      await this.#intents.record({ kind: 'install', game: entry.id, root });
      await this.#installUnder(entry, op, root);
    } finally {
      await this.#clearIntent(entry.id);
      op.end();
      await this.#rescanAfter(entry.id, 'install');
    }
    return { game: entry.id };
  }

  /** Installs from the root's current bytes (S33) under an operation that already holds the game. */
  async #installUnder(entry: CatalogGame, op: OperationHandle, root: string): Promise<void> {
    this.#emit({ event: 'install-begin', game: entry.id });
    try {
      const result = await installGame(root, this.#archiveProvider, op.signal);
      this.#log.info({ game: entry.id, ...result }, 'installed');
    } catch (err) {
      const failure =
        err instanceof LanspreadError
          ? err
          : new LanspreadError('install-failed', errorMessage(err), { cause: err });
      this.#log.warn(
        { game: entry.id, code: failure.code, err: failure.message },
        'install failed',
      );
      throw this.#installFailed(entry.id, failure);
    }
    this.#emit({ event: 'install-finished', game: entry.id });
  }

  /** Installs from a source's archives without storing them: for a disk that cannot hold both. */
  async #streamInstall(entry: CatalogGame): Promise<CommandResult> {
    if (this.#localGame(entry.id)?.installed === true) {
      const failure = new LanspreadError(
        'already-installed',
        `${entry.id} is already installed here`,
      );
      this.#emit({
        event: 'download-failed',
        game: entry.id,
        code: failure.code,
        message: failure.message,
      });
      throw failure;
    }
    const sources = this.#requireSources(entry);
    const op = this.#operations.begin(entry.id, 'stream-install');
    const root = join(this.#gamesDir, entry.id);
    try {
      await this.#intents.record({
        kind: 'stream-install',
        game: entry.id,
        root,
        created_root: this.#localGame(entry.id) === undefined,
      });
      const { bytes } = await streamInstallGame({
        game: entry,
        root,
        sources,
        connect: (source, signal) => this.#connectTransfer(source, signal),
        emit: (event) => {
          this.#emit(transferEvent(event));
        },
        log: this.#log.child({ game: entry.id }),
        signal: op.signal,
      });
      return { game: entry.id, bytes };
    } catch (err) {
      throw this.#reportFailure(entry, err, op);
    } finally {
      await this.#clearIntent(entry.id);
      op.end();
      await this.#rescanAfter(entry.id, 'streamed install');
    }
  }

  async #uninstall(entry: CatalogGame): Promise<CommandResult> {
    if (this.#localGame(entry.id)?.installed !== true) {
      throw new LanspreadError('not-installed', `${entry.id} is not installed here`);
    }
    this.#launcher.refuseWhileRunning(entry.id, 'uninstall');
    const op = this.#operations.begin(entry.id, 'uninstall');
    const root = join(this.#gamesDir, entry.id);
    try {
      await this.#intents.record({ kind: 'uninstall', game: entry.id, root });
      await uninstallGame(root);
    } finally {
      await this.#clearIntent(entry.id);
      op.end();
      await this.#rescanAfter(entry.id, 'uninstall');
    }
    this.#emit({ event: 'uninstall-finished', game: entry.id });
    return { game: entry.id };
  }

  /**
   * Fetches the catalog version into a staging root beside the old one, installs it there when
   * the old one is installed, and only then swaps the roots. Until the swap the old root (and its
   * install) is untouched, so a failure or cancel leaves it playable.
   */
  async #update(entry: CatalogGame): Promise<CommandResult> {
    this.#refuseWhileBusy(entry.id);
    const local = this.#localGame(entry.id);
    if (local?.downloaded !== true) {
      throw new LanspreadError('not-downloaded', `${entry.id} has no downloaded root to update`);
    }
    if (local.version === entry.version) {
      throw new LanspreadError(
        'already-up-to-date',
        `${entry.id} is already at the catalog version ${entry.version}`,
      );
    }
    this.#launcher.refuseWhileRunning(entry.id, 'update');
    const sources = this.#requireSources(entry);
    const op = this.#operations.begin(entry.id, 'update');
    const paths = updatePaths(this.#gamesDir, entry.id);
    const intent: Intent = {
      kind: 'update',
      game: entry.id,
      ...paths,
      from: local.version,
      to: entry.version,
      phase: 'fetch',
    };
    const result = { game: entry.id, from: local.version, to: entry.version };
    try {
      await this.#intents.record(intent);
      // A new root already complete beside the old (an earlier update stopped after its
      // download) is not fetched again.
      if ((await readGameVersion(paths.staging)) === entry.version)
        this.#log.info({ game: entry.id }, 'the new version is downloaded already; installing it');
      else await this.#downloadUnder(entry, sources, op, paths.staging);
      if (local.installed) await this.#installUnder(entry, op, paths.staging);
      op.signal.throwIfAborted();
      await this.#intents.record({ ...intent, phase: 'swap' });
      await this.#swapUpdate(entry, paths);
      this.#log.info(result, 'updated');
      this.#emit({ event: 'update-finished', ...result });
      return result;
    } catch (err) {
      const staging = await discardStaging(paths.staging).catch((cleanup: unknown) => {
        this.#log.error({ game: entry.id, err: errorMessage(cleanup) }, 'cannot clean the staging');
        return 'left as it was';
      });
      this.#log.info({ game: entry.id, staging }, 'update failed; the old root is kept');
      throw err;
    } finally {
      await this.#clearIntent(entry.id);
      op.end();
      await this.#rescanAfter(entry.id, 'update');
    }
  }

  async #swapUpdate(entry: CatalogGame, paths: ReturnType<typeof updatePaths>): Promise<void> {
    try {
      await swapInStaging(paths);
    } catch (err) {
      const failure = new LanspreadError(
        'install-failed',
        `cannot swap in the new root of ${entry.id}: ${errorMessage(err)}`,
        { cause: err },
      );
      throw this.#installFailed(entry.id, failure);
    }
  }

  /** Deletes the whole root (`local/` included); the rescan tells the peers it is gone. */
  async #removeFiles(entry: CatalogGame): Promise<CommandResult> {
    this.#refuseWhileBusy(entry.id);
    if (this.#localGame(entry.id) === undefined) {
      throw new LanspreadError('not-downloaded', `${entry.id} has no files here`);
    }
    this.#launcher.refuseWhileRunning(entry.id, 'remove the files of');
    const op = this.#operations.begin(entry.id, 'remove-files');
    try {
      await this.#intents.record({
        kind: 'remove-files',
        game: entry.id,
        root: join(this.#gamesDir, entry.id),
        trash: trashPath(this.#gamesDir, entry.id),
      });
      await removeGameFiles(this.#gamesDir, entry.id);
      this.#log.info({ game: entry.id }, 'game files removed');
    } catch (err) {
      if (err instanceof LanspreadError) throw err;
      throw new LanspreadError(
        'install-failed',
        `cannot remove the files of ${entry.id}: ${errorMessage(err)}`,
        { cause: err },
      );
    } finally {
      await this.#clearIntent(entry.id);
      op.end();
      await this.#rescanAfter(entry.id, 'removal');
    }
    return { game: entry.id };
  }

  /** The operation has settled the disk either way; a stale intent would only be redone at start. */
  async #clearIntent(game: GameId): Promise<void> {
    await this.#intents.clear(game).catch((err: unknown) => {
      this.#log.error({ game, err: errorMessage(err) }, 'cannot clear the operation intent');
    });
  }

  /**
   * Play stamps the player's name and language into the installed files once (S38), runs the
   * setup script once and starts the game; start-server starts its server script (S63).
   */
  async #launch(
    cmd: 'play' | 'start-server',
    entry: CatalogGame,
    player: { username: string; language: string },
  ): Promise<CommandResult> {
    this.#refuseWhileBusy(entry.id);
    if (this.#localGame(entry.id)?.installed !== true) {
      throw new LanspreadError('not-installed', `${entry.id} is not installed here`);
    }
    const target = {
      game: entry.id,
      root: join(this.#gamesDir, entry.id),
      username: player.username,
      language: player.language,
    };
    return cmd === 'play'
      ? { ...(await this.#launcher.play(target)) }
      : { game: entry.id, ...(await this.#launcher.startServer(target)) };
  }

  /** Busy comes first: while another operation changes the game, its state proves nothing. */
  #refuseWhileBusy(id: GameId): void {
    const busy = this.#operations.kind(id);
    if (busy !== null) {
      throw new LanspreadError('operation-in-progress', `${id} is busy (${busy})`);
    }
  }

  #localGame(id: GameId): LocalGame | undefined {
    return this.#library.find((g) => g.id === id);
  }

  /** The rescan tells peers the outcome; its own failure must not hide the operation's. */
  async #rescanAfter(game: GameId, what: string): Promise<void> {
    await this.#rescan().catch((err: unknown) => {
      this.#log.error({ game, err: errorMessage(err) }, `rescan after the ${what} failed`);
    });
  }

  /** Tells the listeners an install failed; returns the error for the caller to throw. */
  #installFailed(game: GameId, failure: LanspreadError): LanspreadError {
    this.#emit({ event: 'install-failed', game, code: failure.code, message: failure.message });
    return failure;
  }

  /** The sources of `entry`, or `no-peers-have-game` (event and error) when there is none. */
  #requireSources(entry: CatalogGame): DownloadSource[] {
    const sources = this.#sourcesFor(entry.id);
    if (sources.length === 0) {
      this.#emit({ event: 'no-peers-have-game', game: entry.id });
      throw new LanspreadError(
        'no-peers-have-game',
        `no peers have game ${entry.id} at version ${entry.version}`,
      );
    }
    return sources;
  }

  /** Peers that have `game` Ready at our catalog version, in a stable order. */
  #sourcesFor(game: GameId): DownloadSource[] {
    const remote = aggregateRemote(this.#table.list(), this.#catalog).find(
      (r) => r.game.id === game,
    );
    return remote === undefined ? [] : [...remote.sources];
  }

  async #connectTransfer(source: DownloadSource, signal: AbortSignal): Promise<TransferClient> {
    const { host, port } = parseHostPort(source.addr);
    const conn = await this.#transport.dial(host, port, { role: 'transfer', signal });
    if (conn.remotePeerId !== source.peerId) {
      conn.destroy();
      throw new LanspreadError(
        'handshake-failed',
        `${source.addr} is no longer peer ${source.peerId.slice(0, 12)}`,
      );
    }
    return new TransferClient(conn);
  }

  #activeOperation(game: GameId): 'download' | 'install' | null {
    const kind = this.#operations.kind(game);
    if (kind === null) return null;
    return kind === 'download' || kind === 'update' ? 'download' : 'install';
  }

  #catalogGame(id: string): CatalogGame {
    const entry = this.#catalog.get(id);
    if (entry === undefined)
      throw new LanspreadError('unknown-game', `game ${id} is not in the local catalog`);
    return entry;
  }

  #localHello(): { peerId: PeerId; name: string; listenPort: number; library: WireGame[] } {
    return {
      peerId: this.#identity.peerId,
      name: this.#name,
      listenPort: this.#listenPort,
      library: this.#advert,
    };
  }

  async #accept(conn: Connection): Promise<void> {
    if (this.#closing) {
      conn.destroy();
      return;
    }
    try {
      await this.#establish(conn);
    } catch (err) {
      this.#log.warn(
        { remote: conn.remoteAddress, err: errorMessage(err) },
        'inbound peer handshake failed',
      );
    }
  }

  /** Exchanges hellos on a new control connection and adopts the session. */
  async #establish(conn: Connection): Promise<PeerSession> {
    const id = conn.remotePeerId;
    this.#handshaking.add(conn);
    try {
      const session = await PeerSession.establish(
        conn,
        this.#localHello(),
        this.#log,
        this.#liveness,
      );
      this.#adopt(session);
      return session;
    } finally {
      this.#handshaking.delete(conn);
      const left = this.#handshakesWith(id);
      const held = this.#heldLosses.get(id);
      if (left === 0 && held !== undefined && !this.#sessions.has(id)) {
        this.#lose(id, held.addr, held.reason);
      }
    }
  }

  #handshakesWith(id: PeerId): number {
    let n = 0;
    for (const conn of this.#handshaking) if (conn.remotePeerId === id) n++;
    return n;
  }

  /**
   * Makes an established session the one connection to its peer. When both sides dialled each
   * other, both keep the connection dialled by the smaller peer id, so they agree without talking.
   */
  #adopt(session: PeerSession): void {
    if (this.#closing) {
      session.discard();
      return;
    }
    const id = session.peerId;
    const existing = this.#sessions.get(id);
    if (existing !== undefined) {
      const preferred = this.#identity.peerId < id ? this.#identity.peerId : id;
      const keepNew = existing.dialer === session.dialer || session.dialer === preferred;
      if (!keepNew) {
        session.discard();
        return;
      }
      existing.discard();
    }
    this.#sessions.set(id, session);
    this.#heldLosses.delete(id);
    clearTimeout(this.#redials.get(id));
    this.#redials.delete(id);
    const outcome = this.#table.upsert(id, {
      name: session.hello.name,
      addr: session.addr,
      library: session.hello.library,
      nowMs: Date.now(),
    });
    session.start(this.#handlers);
    this.#log.info({ peer: id, addr: session.addr, outcome }, 'peer session established');
    if (outcome === 'added')
      this.#emit({ event: 'peer-connected', peer_id: id, addr: session.addr });
    this.#emitRemoteLibrary(id);
  }

  readonly #handlers: SessionHandlers = {
    onDelta: (session, delta) => {
      if (this.#sessions.get(session.peerId) !== session) return;
      this.#table.applyDelta(session.peerId, delta, Date.now());
      this.#emitRemoteLibrary(session.peerId);
    },
    onAlive: (session) => {
      this.#table.touch(session.peerId, Date.now());
    },
    onEnd: (session, reason: LostReason) => {
      const id = session.peerId;
      if (this.#sessions.get(id) !== session) return;
      this.#sessions.delete(id);
      const addr = this.#table.get(id)?.addr ?? session.addr;
      // When both sides dialled at once, the other side closes the connection it did not keep,
      // possibly before the one it kept finished its handshake here: that is not a loss.
      if (reason === 'closed' && this.#handshakesWith(id) > 0) {
        this.#heldLosses.set(id, { addr, reason });
        return;
      }
      this.#lose(id, addr, reason);
    },
  };

  #lose(id: PeerId, addr: string, reason: LostReason): void {
    this.#heldLosses.delete(id);
    this.#table.remove(id);
    this.#log.info({ peer: id, reason }, 'peer lost');
    this.#emit({ event: 'peer-lost', peer_id: id, addr, reason });
    // It may come back (a restart, a cable put back): try its address again, backing off.
    this.#scheduleRedial(id, addr, REDIAL_FIRST_MS);
  }

  /**
   * Dials an address that is only a hint of where `peerId` listens. TLS proves who answers: any
   * other identity there is dropped and creates no peer record (S60). Failures back off per
   * address, so a stale hint (a killed peer's mDNS record) costs little.
   */
  async #dialHint(addr: string, peerId: PeerId, via: string): Promise<boolean> {
    const now = Date.now();
    if (
      this.#closing ||
      peerId === this.#identity.peerId ||
      this.#sessions.has(peerId) ||
      this.#hintedDials.has(addr) ||
      !this.#dialBackoff.allowed(addr, now)
    ) {
      return false;
    }
    this.#hintedDials.add(addr);
    try {
      const { host, port } = parseHostPort(addr);
      const conn = await this.#transport.dial(host, port);
      if (conn.remotePeerId !== peerId) {
        conn.destroy();
        this.#dialBackoff.failed(addr, Date.now());
        this.#log.warn(
          { addr, via, claimed: peerId, proven: conn.remotePeerId },
          'a hint named another peer id than the one that answered; no peer made',
        );
        return false;
      }
      await this.#establish(conn);
      this.#dialBackoff.succeeded(addr);
      return true;
    } catch (err) {
      this.#dialBackoff.failed(addr, Date.now());
      this.#log.debug({ addr, via, err: errorMessage(err) }, 'dial of a hinted address failed');
      return false;
    } finally {
      this.#hintedDials.delete(addr);
    }
  }

  /** Candidates from mDNS and beacons are hints: dialled, proven by TLS, never trusted. */
  async #startDiscovery(): Promise<void> {
    this.#discovery = await Discovery.start({
      peerId: this.#identity.peerId,
      listenPort: this.#listenPort,
      name: this.#name,
      protocolVersion: PROTOCOL_VERSION,
      mdns: true,
      beacon: true,
      log: this.#log.child({ part: 'discovery' }),
      onCandidate: (candidate) => {
        void this.#dialHint(
          formatHostPort(candidate.host, candidate.port),
          candidate.claimedPeerId,
          candidate.via,
        );
      },
    });
  }

  #scheduleRedial(peerId: PeerId, addr: string, delayMs: number): void {
    if (this.#closing) return;
    clearTimeout(this.#redials.get(peerId));
    const timer = setTimeout(() => {
      this.#redials.delete(peerId);
      void this.#dialHint(addr, peerId, 'redial').then((ok) => {
        if (!ok && !this.#sessions.has(peerId)) {
          this.#scheduleRedial(peerId, addr, REDIAL_RETRY_MS);
        }
      });
    }, delayMs);
    timer.unref();
    this.#redials.set(peerId, timer);
  }

  #emitRemoteLibrary(id: PeerId): void {
    const record = this.#table.get(id);
    if (record === undefined) return;
    this.#emit({
      event: 'remote-library-changed',
      peer_id: id,
      games: remoteGameRows(record, this.#catalog),
    });
  }

  /** Watches the games folder so roots added, removed or re-versioned outside us reach the peers. */
  async #startLibraryWatch(rescanEveryMs: number | undefined): Promise<void> {
    this.#libraryWatcher = await watchLibrary(this.#gamesDir, {
      log: this.#log,
      ...(rescanEveryMs === undefined ? {} : { rescanEveryMs }),
      isGameRoot: (name) => this.#catalog.get(name) !== undefined,
      // An operation's root churns until it ends, and every operation rescans when it ends.
      isBusy: (name) => isGameId(name) && this.#operations.kind(name) !== null,
      onChange: () => {
        if (this.#closing) return;
        this.#rescan().catch((err: unknown) => {
          this.#log.warn({ err: errorMessage(err) }, 'rescan after a library change failed');
        });
      },
    });
  }

  /** Rescans one at a time; requests made while one runs share the single rescan after it. */
  #rescan(opts: { always?: boolean } = {}): Promise<void> {
    if (opts.always === true) this.#rescanAlways = true;
    return this.#rescanSerial();
  }

  /** Rescans the games folder; on a change, tells the local listeners and every peer. */
  async #rescanNow(): Promise<void> {
    const always = this.#rescanAlways;
    this.#rescanAlways = false;
    this.#library = await scanLibrary(
      this.#gamesDir,
      this.#catalog,
      this.#log,
      this.#ignoredFolders,
    );
    this.#hashCache.keepGames(this.#gamesDir, new Set(this.#library.map((g) => g.id)));
    const advert = advertise(this.#library, this.#catalog, (id) => this.#activeOperation(id));
    const delta = diffAdvert(this.#advert, advert);
    this.#advert = advert;
    const changed = delta.upsert.length > 0 || delta.remove.length > 0;
    if (changed) for (const session of this.#sessions.values()) session.sendDelta(delta);
    if (changed || always) this.#emit({ event: 'local-library-changed', games: this.localRows() });
  }

  #emit(event: PeerEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

async function ensureDir(
  path: string,
  code: 'state-dir-unusable' | 'games-dir-unusable',
  what: string,
): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (err) {
    throw new LanspreadError(code, `cannot create the ${what} ${path}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms).unref());
}
