/** Parses the arguments of the human verbs (`lanspread games`, `download ID`, …); pure, no I/O. */
import { parseArgs } from 'node:util';
import { ArgsError, parseCap } from './peer-args.js';
import { defaultStateDir } from './serve-args.js';

/** Verbs that answer at once from a listing. */
export const LISTING_VERBS = ['games', 'peers'] as const;
/** Verbs that run until the peer has changed the game; they show progress and can be cancelled. */
export const LONG_VERBS = ['download', 'install', 'update', 'stream-install'] as const;
/** Verbs that name one game and answer quickly. */
export const GAME_VERBS = [
  'uninstall',
  'play',
  'server',
  'cancel',
  'pause',
  'resume',
  'move',
] as const;
/** Shows the bandwidth caps, or sets them. */
export const LIMITS_VERB = 'limits';

export type ListingVerb = (typeof LISTING_VERBS)[number];
export type LongVerb = (typeof LONG_VERBS)[number];
export type GameVerb = (typeof GAME_VERBS)[number];
export type HumanVerb = ListingVerb | LongVerb | GameVerb | typeof LIMITS_VERB;

export const HUMAN_VERBS: readonly HumanVerb[] = [
  ...LISTING_VERBS,
  ...LONG_VERBS,
  ...GAME_VERBS,
  LIMITS_VERB,
];

interface Common {
  state: string;
  json: boolean;
}

export type VerbRequest =
  | (Common & { verb: ListingVerb })
  | (Common & { verb: LongVerb; game: string; install: boolean })
  | (Common & { verb: 'uninstall' | 'cancel' | 'pause' | 'resume'; game: string })
  /** `move ID POSITION`: the game's new place in the download queue, 1 the first. */
  | (Common & { verb: 'move'; game: string; position: number })
  | (Common & { verb: 'play' | 'server'; game: string; username?: string; language?: string })
  | (Common & { verb: typeof LIMITS_VERB; set: LimitsChange });

/** What `limits` changes (nothing: it only shows them): MiB/s or null (off), playing on or off. */
export interface LimitsChange {
  upload_mib_s?: number | null;
  download_mib_s?: number | null;
  playing?: boolean;
}

export function isHumanVerb(verb: string): verb is HumanVerb {
  return (HUMAN_VERBS as readonly string[]).includes(verb);
}

export function parseVerbArgs(verb: HumanVerb, argv: readonly string[]): VerbRequest {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        state: { type: 'string' },
        json: { type: 'boolean', default: false },
        'no-install': { type: 'boolean', default: false },
        name: { type: 'string' },
        language: { type: 'string' },
        upload: { type: 'string' },
        download: { type: 'string' },
        playing: { type: 'string' },
      },
    });
  } catch (err) {
    throw new ArgsError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values['no-install'] && verb !== 'download') {
    throw new ArgsError('--no-install is an option of download only');
  }
  for (const flag of ['name', 'language'] as const) {
    if (values[flag] !== undefined && verb !== 'play' && verb !== 'server') {
      throw new ArgsError(`--${flag} is an option of play and server only`);
    }
  }
  for (const flag of ['upload', 'download', 'playing'] as const) {
    if (values[flag] !== undefined && verb !== LIMITS_VERB) {
      throw new ArgsError(`--${flag} is an option of limits only`);
    }
  }
  const state = values.state ?? defaultStateDir();
  if (state === '') throw new ArgsError('--state must name a folder');
  const common: Common = { state, json: values.json };
  if (verb === LIMITS_VERB) {
    if (positionals.length > 0) {
      throw new ArgsError(`limits takes only options, got ${JSON.stringify(positionals[0])}`);
    }
    return { verb, ...common, set: limitsChange(values) };
  }
  if (isListing(verb)) {
    if (positionals.length > 0) {
      throw new ArgsError(`${verb} takes no arguments, got ${JSON.stringify(positionals[0])}`);
    }
    return { verb, ...common };
  }
  const [game, ...extra] = positionals;
  if (game === undefined || game === '') throw new ArgsError(`${verb} needs a game id`);
  if (verb === 'move') {
    const position = Number(extra[0]);
    if (extra.length !== 1 || !Number.isInteger(position) || position < 1)
      throw new ArgsError('move takes a game id and its new place in the queue (1 the first)');
    return { verb, ...common, game, position };
  }
  if (extra.length > 0)
    throw new ArgsError(`${verb} takes one game id, got ${positionals.join(' ')}`);
  if (isLong(verb)) return { verb, ...common, game, install: !values['no-install'] };
  if (verb === 'play' || verb === 'server') {
    const username = optionalText(values.name, '--name');
    const language = optionalText(values.language, '--language');
    return {
      verb,
      ...common,
      game,
      ...(username === undefined ? {} : { username }),
      ...(language === undefined ? {} : { language }),
    };
  }
  return { verb, ...common, game };
}

function limitsChange(values: {
  upload?: string;
  download?: string;
  playing?: string;
}): LimitsChange {
  const { upload, download, playing } = values;
  if (playing !== undefined && playing !== 'on' && playing !== 'off') {
    throw new ArgsError(`--playing must be on or off, got ${JSON.stringify(playing)}`);
  }
  return {
    ...(upload === undefined ? {} : { upload_mib_s: parseCap('--upload', upload) }),
    ...(download === undefined ? {} : { download_mib_s: parseCap('--download', download) }),
    ...(playing === undefined ? {} : { playing: playing === 'on' }),
  };
}

function isListing(verb: HumanVerb): verb is ListingVerb {
  return (LISTING_VERBS as readonly string[]).includes(verb);
}

function isLong(verb: HumanVerb): verb is LongVerb {
  return (LONG_VERBS as readonly string[]).includes(verb);
}

function optionalText(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (value.length === 0 || value.length > 64)
    throw new ArgsError(`${flag} must be 1 to 64 characters`);
  return value;
}
