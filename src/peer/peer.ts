/** The peer runtime: composes catalog, library, identity, transport and peer mesh behind one command API. */
import { hostname } from 'node:os';
import { sweepTempFiles } from '../atomic-write.js';
import { openCatalog, type Catalog, type CatalogGame, type CoverImage } from '../catalog/index.js';
import { LanspreadError } from '../errors.js';
import type { GameId, PeerId } from '../ids.js';
import { loadOrCreateIdentity, type Identity } from '../identity/index.js';
import type { Logger } from '../logger.js';
import {
  DEFAULT_LIVENESS,
  PeerMesh,
  aggregateRemote,
  livenessFor,
  type LivenessTimings,
} from '../mesh/index.js';
import { DEFAULT_CHUNK_SIZE, PROTOCOL_VERSION } from '../protocol/index.js';
import { softwareVersion } from '../software-version.js';
import {
  HashCache,
  OutboundTransfers,
  TransferClient,
  ServeBudget,
  serveDataConnection,
  serveTransferConnection,
  DataTokens,
  LocalPartials,
  Traffic,
  type DownloadSource,
  type ServeContext,
} from '../transfer/index.js';
import { embeddedUnrar, externalUnrar } from '../archive/index.js';
import { IntentStore, recoverIntents } from '../install/index.js';
import type {
  CommandResult,
  PeerEvent,
  PeerCommand,
  PeerEventListener,
  StatusResult,
} from './contract.js';
import { GameLauncher } from './game-launcher.js';
import { DownloadQueue } from './download-queue.js';
import { GameOperations } from './game-operations.js';
import { LocalLibrary, ensureDir } from './local-library.js';
import { Operations } from './operations.js';
import { catalogRow, meshEventRow, peerRow, remoteRow, unreachablePeerRow } from './rows.js';
import { PeerSettings } from './settings-commands.js';
import { SwarmWatchers, swarmLink } from './swarm-link.js';
import { TransferLimits } from './transfer-limits.js';
import { checkGamesDir, readSettings, type Settings } from './settings-file.js';

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
  /** Bytes per chunk of a download, one of CHUNK_SIZES (what sources serve); 32 MiB by default. */
  chunkSize?: number;
  /** The official unrar to extract with (`--unrar`); the embedded extractor when absent. */
  unrarPath?: string;
  /** Find peers by mDNS and the broadcast beacon (`--no-mdns` turns both off); off when absent. */
  discovery?: boolean;
  /** Safety-net rescan of the games folder behind the file watches; 30 s by default, 0 = off. */
  rescanIntervalMs?: number;
  /**
   * `--encrypt-transfers`: turns the `encrypt_transfers` setting on (saved with the next settings
   * change); downloads then fetch chunks over TLS instead of plaintext data connections. What this
   * peer serves is unchanged (it serves both).
   */
  encryptTransfers?: boolean;
  /**
   * `--max-upload`, `--max-download`: the caps in MiB/s for this run (null: off), in place of the
   * saved ones (saved with the next change of the caps); the saved ones when absent.
   */
  maxUploadMiBs?: number | null;
  maxDownloadMiBs?: number | null;
}

export class Peer {
  readonly #log: Logger;
  readonly #catalog: Catalog;
  readonly #identity: Identity;
  readonly #name: string;
  readonly #listeners = new Set<PeerEventListener>();
  readonly #emit = (event: PeerEvent): void => {
    // Playing mode follows the games Play started.
    if (event.event === 'game-started' || event.event === 'game-exited') this.#limits.refresh();
    for (const listener of this.#listeners) listener(event);
  };
  readonly #operations = new Operations();
  readonly #mesh: PeerMesh;
  readonly #library: LocalLibrary;
  readonly #gameOperations: GameOperations;
  readonly #queue: DownloadQueue;
  readonly #launcher: GameLauncher;
  readonly #outbound: OutboundTransfers;
  readonly #hashCache: HashCache;
  readonly #serveContext: ServeContext;
  readonly #settings: PeerSettings;
  /** Our downloads' verified chunks, advertised and served. */
  readonly #partials: LocalPartials;
  readonly #swarmWatchers = new SwarmWatchers();
  readonly #traffic = new Traffic();
  readonly #limits: TransferLimits;
  #closing = false;

  private constructor(
    opts: PeerOptions,
    catalog: Catalog,
    identity: Identity,
    hashCache: HashCache,
    stores: { intents: IntentStore; flushes: IntentStore },
    settings: Settings,
  ) {
    const emit = this.#emit;
    this.#log = opts.log;
    this.#catalog = catalog;
    this.#identity = identity;
    this.#hashCache = hashCache;
    this.#name = opts.name ?? hostname();
    this.#launcher = new GameLauncher(process.platform, emit, opts.log);
    const caps = {
      upload_mib_s: opts.maxUploadMiBs === undefined ? settings.upload_mib_s : opts.maxUploadMiBs,
      download_mib_s:
        opts.maxDownloadMiBs === undefined ? settings.download_mib_s : opts.maxDownloadMiBs,
    };
    this.#limits = new TransferLimits(caps, () => this.#launcher.playingGames());
    this.#outbound = new OutboundTransfers(({ game, peerId }) => {
      emit({ event: 'outbound-transfer-finished', game, peer_id: peerId });
    });
    this.#partials = new LocalPartials((change) => {
      this.#mesh.sendPartials(change);
    });
    this.#mesh = new PeerMesh({
      identity,
      name: this.#name,
      software: softwareVersion(),
      library: () => this.#library.advert,
      // Games our catalog does not know are not games here (S35): not worth their memory either.
      keepGame: (game) => catalog.get(game.id) !== undefined,
      keepPartial: (game) => catalog.get(game) !== undefined,
      partials: () => this.#partials.list(),
      liveness:
        opts.liveness ??
        (opts.peerTimeoutMs === undefined ? DEFAULT_LIVENESS : livenessFor(opts.peerTimeoutMs)),
      log: opts.log,
      onEvent: (event) => {
        if (event.kind !== 'peer-connected') this.#swarmWatchers.changed(event.peerId);
        const mapped = meshEventRow(event, this.#mesh.record(event.peerId), catalog);
        if (mapped !== null) emit(mapped);
        // A peer that came, or whose library changed, may be the source a waiting download needs.
        this.#queue.pump();
      },
      onTransfer: (conn) => {
        serveTransferConnection(conn, this.#serveContext);
      },
      onData: (data) => {
        serveDataConnection(data, this.#serveContext);
      },
    });
    this.#library = new LocalLibrary({
      gamesDir: opts.gamesDir,
      catalog,
      hashCache,
      operations: this.#operations,
      log: opts.log,
      launched: (game) => this.#launcher.launched(game),
      onChanged: (delta) => {
        if (delta.upsert.length > 0 || delta.remove.length > 0) this.#mesh.sendDelta(delta);
        emit({ event: 'local-library-changed', games: this.#library.rows() });
      },
    });
    const downloadCap = this.#limits.download;
    const archiveProvider =
      opts.unrarPath === undefined ? embeddedUnrar : externalUnrar(opts.unrarPath);
    this.#serveContext = {
      lookup: this.#library.serveLookup,
      hashCache,
      outbound: this.#outbound,
      log: opts.log,
      archiveProvider,
      budget: new ServeBudget(),
      tokens: new DataTokens(),
      hasSession: (peer) => this.#mesh.record(peer) !== undefined,
      partials: this.#partials,
      traffic: this.#traffic,
      uploadCap: this.#limits.upload,
    };
    this.#gameOperations = new GameOperations({
      library: this.#library,
      operations: this.#operations,
      ...stores,
      launcher: this.#launcher,
      archiveProvider,
      chunkSize: opts.chunkSize ?? DEFAULT_CHUNK_SIZE,
      log: opts.log,
      emit,
      sources: (game) => this.#sources(game),
      connectTransfer: async (source, signal) =>
        new TransferClient(await this.#mesh.dialTransfer(source, signal), { downloadCap }),
      connectData: async (source: DownloadSource, token: Buffer, signal: AbortSignal) =>
        new TransferClient(await this.#mesh.dialData(source, token, signal), { downloadCap }),
      encryptTransfers: () => this.#settings.encryptTransfers,
      swarm: (game, root) =>
        swarmLink(game, root, {
          record: (peer) => this.#mesh.record(peer),
          records: () => this.#mesh.records(),
          partials: this.#partials,
          watchers: this.#swarmWatchers,
          self: identity.peerId,
        }),
      traffic: this.#traffic,
    });
    this.#queue = new DownloadQueue({
      stateDir: opts.stateDir,
      log: opts.log,
      emit,
      slots: () => this.#settings.maxActiveDownloads,
      ready: (entry) => this.#sources(entry.game).length > 0,
      check: (entry) => {
        this.#gameOperations.checkQueued(entry.kind, this.#catalogGame(entry.game), entry.install);
      },
      run: (entry) => {
        const game = this.#catalogGame(entry.game);
        return entry.kind === 'update'
          ? this.#gameOperations.update(game)
          : this.#gameOperations.download(game, entry.install);
      },
      busy: (game) => this.#operations.kind(game) !== null,
      installing: (game) => this.#operations.kind(game) === 'install',
      stop: (game, reason) => this.#operations.cancel(game, reason),
    });
    const encrypt = opts.encryptTransfers === true || settings.encrypt_transfers;
    this.#settings = new PeerSettings(
      opts.stateDir,
      { ...settings, ...caps, encrypt_transfers: encrypt },
      this.#library,
      opts.log,
      () => {
        this.#queue.pump();
      },
    );
  }

  /** Opens the catalog and identity, scans the games folder and starts listening. */
  static async start(opts: PeerOptions, listener?: PeerEventListener): Promise<Peer> {
    const catalog = await openCatalog(opts.catalogFile);
    await ensureDir(opts.stateDir, 'state-dir-unusable', 'state folder');
    // A CLI verb may be writing a state file right now: only a temp file a minute old is left over.
    const leftovers = await sweepTempFiles(opts.stateDir, 60_000);
    if (leftovers.length > 0)
      opts.log.info({ files: leftovers }, 'removed temp files of writes a crash cut short');
    // The same check as set-game-dir's: absolute, apart from the state, a writable folder.
    const gamesDir = await checkGamesDir(opts.gamesDir, opts.stateDir);
    const identity = await loadOrCreateIdentity(opts.stateDir, opts.log);
    const hashCache = await HashCache.open(opts.stateDir, opts.log);
    // Before the first scan, so no half-changed root is ever scanned or advertised.
    const intents = new IntentStore(opts.stateDir);
    const flushes = new IntentStore(opts.stateDir, 'flushes');
    // Flushes after intents: an update's staging root, discarded, needs no flush.
    await recoverIntents(intents, opts.log);
    await recoverIntents(flushes, opts.log);
    const settings = await readSettings(opts.stateDir, opts.log);
    const peer = new Peer(
      { ...opts, gamesDir },
      catalog,
      identity,
      hashCache,
      { intents, flushes },
      settings,
    );
    if (listener !== undefined) peer.#listeners.add(listener);
    await peer.#library.rescan({ always: true });
    await peer.#queue.restore((entry) => peer.#staleQueueEntry(entry));
    const addr = await peer.#mesh.listen(opts.listenHost, opts.listenPort);
    if (opts.discovery === true) await peer.#mesh.startDiscovery();
    await peer.#library.watch(opts.rescanIntervalMs);
    peer.#log.info({ peer_id: identity.peerId, addr, catalog: catalog.source }, 'peer ready');
    peer.#emit({ event: 'local-peer-ready', peer_id: identity.peerId, addr });
    peer.#queue.pump();
    return peer;
  }

  get peerId(): PeerId {
    return this.#identity.peerId;
  }

  get addr(): string {
    return this.#mesh.addr;
  }

  /** The games folder in use (set-game-dir changes it). */
  get gamesDir(): string {
    return this.#library.gamesDir;
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
        return this.#mesh
          .records()
          .map((record) => peerRow(record, this.#catalog, this.#traffic.peer(record.peerId)));
      case 'list-games':
        return {
          local: this.#library.rows(),
          remote: aggregateRemote(this.#mesh.records(), this.#catalog).map(remoteRow),
        };
      case 'connect':
        return { peer_id: await this.#mesh.connect(command.addr) };
      case 'catalog':
        return { source: this.#catalog.source, games: this.#catalog.all().map(catalogRow) };
      case 'game-files':
        // The transferred files of the game's root here (none when it has no root).
        return { files: await this.#library.files(this.#catalogGame(command.game).id) };
      case 'get-settings':
        return this.#settings.view();
      case 'set-settings':
        return this.#settings.update(command);
      case 'set-game-dir':
        return this.#settings.setGameDir(command.path);
      case 'set-limits': {
        const caps = await this.#settings.setCaps(command);
        return this.#limits.set({ ...caps, playing: command.playing });
      }
      case 'wait-peers':
        return { peer_count: await this.#mesh.waitPeers(command.count, command.timeout_ms) };
      case 'download': {
        const game = this.#catalogGame(command.game);
        const local = this.#library.game(game.id);
        // A root here at the catalog version fetches nothing: it is only installed, unqueued.
        if (local?.downloaded === true && local.version === game.version)
          return this.#gameOperations.download(game, command.install);
        return this.#queue.request({
          game: game.id,
          kind: 'download',
          install: command.install,
          paused: false,
        });
      }
      case 'cancel-download': {
        const game = this.#catalogGame(command.game);
        if (!(await this.#operations.cancel(game.id)) && !(await this.#queue.drop(game.id))) {
          throw new LanspreadError('nothing-to-cancel', `no operation runs on ${game.id}`);
        }
        return { game: game.id };
      }
      case 'pause-download':
        return this.#queue.pause(this.#catalogGame(command.game).id);
      case 'resume-download':
        return this.#queue.resume(this.#catalogGame(command.game).id);
      case 'move-download':
        return this.#queue.move(this.#catalogGame(command.game).id, command.position);
      case 'install':
        return this.#gameOperations.install(this.#catalogGame(command.game));
      case 'uninstall':
        return this.#gameOperations.uninstall(this.#catalogGame(command.game));
      case 'play':
      case 'start-server':
        return this.#gameOperations.launch(
          command.cmd,
          this.#catalogGame(command.game),
          this.#settings.player(command),
        );
      case 'stream-install':
        return this.#gameOperations.streamInstall(this.#catalogGame(command.game));
      case 'update': {
        const game = this.#catalogGame(command.game);
        const from = this.#library.game(game.id)?.version ?? null;
        const answer = await this.#queue.request({
          game: game.id,
          kind: 'update',
          install: false,
          paused: false,
        });
        return 'from' in answer ? answer : { ...answer, from, to: game.version };
      }
      case 'remove-files':
        return this.#gameOperations.removeFiles(this.#catalogGame(command.game));
      case 'shutdown':
        await this.shutdown();
        return {};
    }
  }

  status(): StatusResult {
    return {
      peer_id: this.#identity.peerId,
      name: this.#name,
      addr: this.#mesh.addr,
      peers: this.#mesh.size,
      active_operations: this.#operations.list(),
      outbound_transfers: this.#outbound.counts(),
      discovery: this.#mesh.discoveryStatus(),
      inbound_peer_connections: this.#mesh.inboundConnections,
      traffic: {
        sent_bytes: this.#traffic.sentBytes,
        received_bytes: this.#traffic.receivedBytes,
      },
      queue: this.#queue.rows(),
      limits: this.#limits.view(),
      unreachable_peers: this.#mesh.unreachedPeers().map(unreachablePeerRow),
      protocol_version: PROTOCOL_VERSION,
      software_version: softwareVersion(),
    };
  }

  /** Says goodbye to every peer so they drop us at once, then closes every socket. */
  /** A game's cover art from our catalog, null when it has none: covers never travel between peers. */
  cover(game: string): CoverImage | null {
    return this.#catalogGame(game).cover;
  }

  async shutdown(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#library.close();
    this.#partials.close();
    // What runs now stays queued: the next start carries it on.
    await this.#queue.close();
    await this.#mesh.stop();
    this.#operations.cancelAll();
    await this.#mesh.close();
    // A download's files reach the disk before we go, so the next start has nothing to check.
    await this.#gameOperations.flushed();
    await this.#hashCache.flush();
    this.#log.info({}, 'peer stopped');
  }

  /** Peers that have `game` Ready at our catalog version, in a stable order. */
  #sources(game: GameId): DownloadSource[] {
    const remote = aggregateRemote(this.#mesh.records(), this.#catalog).find(
      (r) => r.game.id === game,
    );
    return remote === undefined ? [] : [...remote.sources];
  }

  /** Why a saved queue entry is no longer wanted: its game left the catalog or needs no fetch. */
  #staleQueueEntry(entry: { game: GameId; kind: 'download' | 'update' }): string | null {
    const game = this.#catalog.get(entry.game);
    if (game === undefined) return 'the game left the catalog';
    const local = this.#library.game(game.id);
    if (entry.kind === 'update' && local?.downloaded !== true) return 'no root left to update';
    if (local?.downloaded === true && local.version === game.version) return 'the game is Ready';
    return null;
  }

  #catalogGame(id: string): CatalogGame {
    const entry = this.#catalog.get(id);
    if (entry === undefined)
      throw new LanspreadError('unknown-game', `game ${id} is not in the local catalog`);
    return entry;
  }
}
