/** Parses `lanspread peer` arguments; any mistake is reported before anything is created. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Logger } from '../logger.js';
import { readHostPort } from '../host-port.js';
import { MAX_CAP_MIB_S, MIN_CAP_MIB_S, type PeerOptions } from '../peer/index.js';
import { CHUNK_SIZES, isServedChunkSize } from '../protocol/index.js';

export interface PeerArgs {
  games: string;
  state: string;
  name?: string;
  listenHost: string;
  listenPort: number;
  catalog?: string;
  mdns: boolean;
  unrar?: string;
  chunkSize?: number;
  rescanIntervalMs?: number;
  peerTimeoutMs?: number;
  /** `--encrypt-transfers`: fetch chunks over TLS, not plaintext data connections. */
  encryptTransfers: boolean;
  /** `--max-upload`, `--max-download` in MiB/s (null: off); the saved caps when absent. */
  maxUploadMiBs?: number | null;
  maxDownloadMiBs?: number | null;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

export class ArgsError extends Error {}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

export function parsePeerArgs(argv: readonly string[]): PeerArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        games: { type: 'string' },
        state: { type: 'string' },
        name: { type: 'string' },
        listen: { type: 'string', default: '0.0.0.0:0' },
        catalog: { type: 'string' },
        'no-mdns': { type: 'boolean', default: false },
        unrar: { type: 'string' },
        'chunk-size': { type: 'string' },
        'rescan-interval': { type: 'string' },
        'peer-timeout': { type: 'string' },
        'encrypt-transfers': { type: 'boolean', default: false },
        'max-upload': { type: 'string' },
        'max-download': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
      },
    }));
  } catch (err) {
    throw new ArgsError(err instanceof Error ? err.message : String(err));
  }
  if (values.games === undefined || values.games === '')
    throw new ArgsError('--games DIR is required');
  if (values.state === undefined || values.state === '')
    throw new ArgsError('--state DIR is required');
  if (values.name !== undefined && (values.name.length === 0 || values.name.length > 64)) {
    throw new ArgsError('--name must be 1 to 64 characters');
  }
  const listen = readHostPort(values.listen);
  if (listen === null) {
    throw new ArgsError(
      `--listen must be HOST:PORT or [V6]:PORT, got ${JSON.stringify(values.listen)}`,
    );
  }
  let chunkSize: number | undefined;
  if (values['chunk-size'] !== undefined) {
    chunkSize = Number(values['chunk-size']);
    // Peers serve manifests at these sizes only: any other would be refused by every source.
    if (!isServedChunkSize(chunkSize)) {
      throw new ArgsError(`--chunk-size must be one of ${CHUNK_SIZES.join(', ')} (bytes)`);
    }
  }
  let rescanIntervalMs: number | undefined;
  if (values['rescan-interval'] !== undefined) {
    const seconds = Number(values['rescan-interval']);
    if (values['rescan-interval'].trim() === '' || !(seconds >= 0 && seconds <= 86_400)) {
      throw new ArgsError('--rescan-interval must be a number of seconds from 0 (off) to 86400');
    }
    rescanIntervalMs = Math.round(seconds * 1000);
  }
  let peerTimeoutMs: number | undefined;
  if (values['peer-timeout'] !== undefined) {
    const seconds = Number(values['peer-timeout']);
    if (values['peer-timeout'].trim() === '' || !(seconds >= 2 && seconds <= 600)) {
      throw new ArgsError('--peer-timeout must be a number of seconds from 2 to 600');
    }
    peerTimeoutMs = Math.round(seconds * 1000);
  }
  const maxUpload = values['max-upload'];
  const maxDownload = values['max-download'];
  const logLevel = LOG_LEVELS.find((level) => level === values['log-level']);
  if (logLevel === undefined)
    throw new ArgsError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  return {
    games: values.games,
    state: values.state,
    ...(values.name === undefined ? {} : { name: values.name }),
    listenHost: listen.host,
    listenPort: listen.port,
    ...(values.catalog === undefined ? {} : { catalog: values.catalog }),
    mdns: !values['no-mdns'],
    ...(values.unrar === undefined ? {} : { unrar: values.unrar }),
    ...(chunkSize === undefined ? {} : { chunkSize }),
    ...(rescanIntervalMs === undefined ? {} : { rescanIntervalMs }),
    ...(peerTimeoutMs === undefined ? {} : { peerTimeoutMs }),
    encryptTransfers: values['encrypt-transfers'],
    ...(maxUpload === undefined ? {} : { maxUploadMiBs: parseCap('--max-upload', maxUpload) }),
    ...(maxDownload === undefined
      ? {}
      : { maxDownloadMiBs: parseCap('--max-download', maxDownload) }),
    logLevel,
  };
}

/** A bandwidth cap as typed: MiB/s, or `off` (null). */
export function parseCap(flag: string, text: string): number | null {
  if (text.trim().toLowerCase() === 'off') return null;
  const mib = Number(text);
  if (text.trim() === '' || !(mib >= MIN_CAP_MIB_S && mib <= MAX_CAP_MIB_S)) {
    throw new ArgsError(
      `${flag} must be MiB/s from ${MIN_CAP_MIB_S} to ${MAX_CAP_MIB_S}, or off; got ${JSON.stringify(text)}`,
    );
  }
  return mib;
}

/** The Peer's options from the parsed arguments (`peer` and `serve` start it alike). */
export function peerOptionsFrom(args: PeerArgs, log: Logger): PeerOptions {
  return {
    // On a command line a relative folder is the shell's working folder; the peer needs it
    // absolute (the one games-folder check, checkGamesDir, refuses a relative one).
    gamesDir: path.resolve(args.games),
    stateDir: args.state,
    ...(args.name === undefined ? {} : { name: args.name }),
    listenHost: args.listenHost,
    listenPort: args.listenPort,
    ...(args.catalog === undefined ? {} : { catalogFile: args.catalog }),
    ...(args.chunkSize === undefined ? {} : { chunkSize: args.chunkSize }),
    ...(args.unrar === undefined ? {} : { unrarPath: args.unrar }),
    discovery: args.mdns,
    ...(args.peerTimeoutMs === undefined ? {} : { peerTimeoutMs: args.peerTimeoutMs }),
    ...(args.rescanIntervalMs === undefined ? {} : { rescanIntervalMs: args.rescanIntervalMs }),
    encryptTransfers: args.encryptTransfers,
    ...(args.maxUploadMiBs === undefined ? {} : { maxUploadMiBs: args.maxUploadMiBs }),
    ...(args.maxDownloadMiBs === undefined ? {} : { maxDownloadMiBs: args.maxDownloadMiBs }),
    log,
  };
}
