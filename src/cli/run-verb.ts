/** Runs one human verb against a running `lanspread serve`: text for a person, an exit code. */
import type {
  CatalogRow,
  CommandResults,
  GameRow,
  LimitsView,
  PeerRow,
  PlayResult,
  RemoteRow,
} from '../peer/index.js';
import { ApiClient, PeerNotRunning, START_HINT, type ApiAnswer } from './api-client.js';
import { openEventSocket } from './event-socket.js';
import { formatGamesTable, formatPeersTable } from './listing-tables.js';
import { ArgsError } from './peer-args.js';
import { ProgressView, type ProgressOutput } from './progress-view.js';
import { parseVerbArgs, type HumanVerb, type VerbRequest } from './verb-args.js';
import { terminalJson, terminalText } from '../terminal-text.js';

export interface VerbIo {
  stdout: ProgressOutput;
  stderr: { write(text: string): unknown };
  /** Calls `listener` on each Ctrl-C until the returned function is called. */
  onInterrupt(listener: () => void): () => void;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_NO_PEER = 3;
export const EXIT_INTERRUPTED = 130;

export async function runVerb(
  verb: HumanVerb,
  argv: readonly string[],
  io: VerbIo,
): Promise<number> {
  let req: VerbRequest;
  try {
    req = parseVerbArgs(verb, argv);
  } catch (err) {
    if (!(err instanceof ArgsError)) throw err;
    io.stderr.write(`lanspread ${verb}: ${err.message} (see lanspread --help)\n`);
    return EXIT_USAGE;
  }
  try {
    const client = await ApiClient.forState(req.state);
    switch (req.verb) {
      case 'games':
      case 'peers':
        return await runListing(client, req.verb, req.json, io);
      case 'download':
      case 'install':
      case 'update':
      case 'stream-install':
        return await runLong(client, req, io);
      case 'uninstall':
        return await runQuick(
          client,
          req,
          'uninstall',
          { game: req.game },
          io,
          () => 'uninstalled',
        );
      case 'cancel':
        return await runQuick(
          client,
          req,
          'cancel-download',
          { game: req.game },
          io,
          () => 'cancelled',
        );
      case 'pause':
      case 'resume':
        return await runQuick(
          client,
          req,
          `${req.verb}-download`,
          { game: req.game },
          io,
          req.verb === 'pause' ? () => 'paused' : describeQueued,
        );
      case 'move':
        return await runQuick(
          client,
          req,
          'move-download',
          { game: req.game, position: req.position },
          io,
          describeQueued,
        );
      case 'limits':
        return await runLimits(client, req, io);
      case 'play':
      case 'server':
        return await runQuick(
          client,
          req,
          req.verb === 'play' ? 'play' : 'start-server',
          {
            game: req.game,
            ...(req.username === undefined ? {} : { username: req.username }),
            ...(req.language === undefined ? {} : { language: req.language }),
          },
          io,
          req.verb === 'play' ? describePlay : describeServer,
        );
    }
  } catch (err) {
    if (!(err instanceof PeerNotRunning)) throw err;
    io.stderr.write(`lanspread ${verb}: ${err.message}; ${START_HINT}\n`);
    return EXIT_NO_PEER;
  }
}

async function runListing(
  client: ApiClient,
  verb: 'games' | 'peers',
  json: boolean,
  io: VerbIo,
): Promise<number> {
  const answer = await client.get(verb === 'games' ? 'api/games' : 'api/peers');
  if (json) return printJson(answer, io);
  if (!answer.ok) return printFailure(verb, answer.error, io);
  // The server speaks the contract (docs/api.md); its rows are taken as they are typed there.
  if (verb === 'peers') {
    io.stdout.write(`${formatPeersTable(answer.result as PeerRow[], Date.now())}\n`);
    return EXIT_OK;
  }
  const catalog = await client.get('api/catalog');
  if (!catalog.ok) return printFailure(verb, catalog.error, io);
  const rows = answer.result as { local: GameRow[]; remote: RemoteRow[] };
  const { games } = catalog.result as { games: CatalogRow[] };
  io.stdout.write(`${formatGamesTable({ ...rows, catalog: games })}\n`);
  return EXIT_OK;
}

/** Sets what was given (`set-limits`), else reads `status`; prints the caps either way. */
async function runLimits(
  client: ApiClient,
  req: Extract<VerbRequest, { verb: 'limits' }>,
  io: VerbIo,
): Promise<number> {
  const setting = Object.keys(req.set).length > 0;
  const answer = setting
    ? await client.command('set-limits', { ...req.set })
    : await client.get('api/status');
  if (req.json) return printJson(answer, io);
  if (!answer.ok) return printFailure('limits', answer.error, io);
  const limits = setting
    ? (answer.result as LimitsView)
    : (answer.result as { limits: LimitsView }).limits;
  // Line by line: the terminal filter takes line breaks out of what it is given.
  for (const said of describeLimits(limits)) io.stdout.write(`${terminalText(said)}\n`);
  return EXIT_OK;
}

function describeLimits(limits: LimitsView): string[] {
  const cap = (mib: number | null): string => (mib === null ? 'off' : `${mib} MiB/s`);
  const why =
    limits.playing_games.length > 0
      ? `while ${limits.playing_games.join(', ')} runs`
      : 'turned on by hand';
  const upload =
    limits.playing && limits.effective_upload_mib_s !== limits.upload_mib_s
      ? `${cap(limits.upload_mib_s)} (now ${cap(limits.effective_upload_mib_s)}: playing)`
      : cap(limits.upload_mib_s);
  return [
    `upload:   ${upload}`,
    `download: ${cap(limits.download_mib_s)}`,
    `playing:  ${limits.playing ? `on, ${why}` : 'off'} (uploads at most ${cap(limits.playing_upload_mib_s)} while on)`,
  ];
}

async function runQuick(
  client: ApiClient,
  req: VerbRequest & { game: string },
  cmd: string,
  args: Record<string, unknown>,
  io: VerbIo,
  describe: (result: unknown) => string | Failure,
): Promise<number> {
  const answer = await client.command(cmd, args);
  if (req.json) return printJson(answer, io);
  if (!answer.ok) return printFailure(`${req.game}: ${req.verb}`, answer.error, io);
  const said = describe(answer.result);
  if (typeof said !== 'string') return printFailure(`${req.game}: ${req.verb}`, said, io);
  io.stdout.write(terminalText(`${req.game}: ${said}`) + '\n');
  return EXIT_OK;
}

/**
 * Opens the event socket before sending the command, so no event of it is missed; Ctrl-C asks
 * the peer to cancel and waits for it to roll back (a second Ctrl-C leaves at once).
 */
async function runLong(
  client: ApiClient,
  req: Extract<VerbRequest, { install: boolean }>,
  io: VerbIo,
): Promise<number> {
  const view = req.json
    ? null
    : new ProgressView(req.game, io.stdout, { streamed: req.verb === 'stream-install' });
  const socket = await openEventSocket(client.info, (event) => view?.onEvent(event));
  let interrupts = 0;
  let leaveNow: () => void = () => undefined;
  const abandoned = new Promise<'abandoned'>((resolve) => {
    leaveNow = () => {
      resolve('abandoned');
    };
  });
  const stopListening = io.onInterrupt(() => {
    interrupts++;
    if (interrupts > 1) {
      leaveNow();
      return;
    }
    view?.note('cancelling (Ctrl-C again to leave without waiting)');
    client.command('cancel-download', { game: req.game }).catch((err: unknown) => {
      io.stderr.write(`lanspread ${req.verb}: cannot cancel: ${String(err)}\n`);
    });
  });
  try {
    const args: Record<string, unknown> =
      req.verb === 'download' ? { game: req.game, install: req.install } : { game: req.game };
    const answer = await Promise.race([client.command(req.verb, args), abandoned]);
    if (answer === 'abandoned') return EXIT_INTERRUPTED;
    // The answer is the outcome: events travel on another socket and only show progress.
    view?.close();
    if (req.json) printJson(answer, io);
    else if (answer.ok) io.stdout.write(describeLongSuccess(req, answer.result));
    else if (answer.error.code === 'cancelled')
      io.stdout.write(`${terminalText(req.game)}: cancelled\n`);
    else printFailure(`${req.game}: ${req.verb}`, answer.error, io);
    // Finished before the cancel arrived: the game is done, and so is the verb.
    if (answer.ok) return EXIT_OK;
    return interrupts > 0 ? EXIT_INTERRUPTED : EXIT_FAILED;
  } finally {
    stopListening();
    view?.close();
    socket.close();
  }
}

/** A download's place in the queue, from an answer with `position`. */
function describeQueued(result: unknown): string {
  return `queued, number ${String((result as { position?: unknown }).position)} in the queue`;
}

/** The last line of a long verb, from its answer. */
function describeLongSuccess(
  req: Extract<VerbRequest, { install: boolean }>,
  result: unknown,
): string {
  // Every slot was taken: it waits in the queue and starts by itself (`lanspread serve` runs it).
  if ((result as { queued?: unknown }).queued === true)
    return terminalText(`${req.game}: ${describeQueued(result)}`) + '\n';
  if (req.verb === 'update' && typeof result === 'object' && result !== null) {
    const { from, to } = result as { from?: unknown; to?: unknown };
    return (
      terminalText(`${req.game}: updated from version ${String(from)} to ${String(to)}`) + '\n'
    );
  }
  return `${terminalText(req.game)}: ${req.verb === 'download' && !req.install ? 'downloaded' : 'installed'}\n`;
}

/** A failure as the API answers it (codes read as plain strings from JSON). */
type Failure = { code: string; message: string };

/** A play that stamped the settings but found no launcher did not start the game: a failure. */
function describePlay(result: unknown): string | Failure {
  // The server's answer, read defensively: an older serve may leave fields out.
  const r = result as Partial<PlayResult>;
  if (r.launch_error != null) return r.launch_error;
  const written = [
    r.account_name_written === true ? 'account name' : null,
    r.language_written === true ? 'language' : null,
    r.persona_name_written === true ? 'persona name' : null,
  ].filter((w) => w !== null);
  const notes = [
    r.setup_exit_code == null ? null : `ran the setup first, exit code ${r.setup_exit_code}`,
    written.length === 0 ? null : `wrote ${written.join(', ')} into its settings`,
  ].filter((n) => n !== null);
  const started = `started (${String(r.launcher)}, pid ${String(r.pid)})`;
  return notes.length === 0 ? started : `${started}; ${notes.join('; ')}`;
}

function describeServer(result: unknown): string {
  const r = result as Partial<CommandResults['start-server']>;
  return `server started in its own window (${String(r.launcher)}, pid ${String(r.pid)})`;
}

function printJson(answer: ApiAnswer, io: VerbIo): number {
  io.stdout.write(`${terminalJson(answer)}\n`);
  return answer.ok ? EXIT_OK : EXIT_FAILED;
}

function printFailure(what: string, error: Failure, io: VerbIo): number {
  // The message may quote a remote peer (its reason, a path of its manifest).
  io.stderr.write(`${terminalText(`${what} failed: ${error.code}: ${error.message}`)}\n`);
  return EXIT_FAILED;
}
