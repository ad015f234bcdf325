/** The peer's commands as the JSONL harness and the web API receive them, validated by zod. */
import { z } from 'zod';
import type { PeerCommand, PeerCommandName } from './contract.js';
import { MAX_ACTIVE_DOWNLOADS } from './settings-file.js';
import { MAX_CAP_MIB_S, MIN_CAP_MIB_S } from './transfer-limits.js';

const game = z.string().min(1).max(128);
const name = z.string().trim().min(1).max(64);
/** Play and Start server: the saved settings fill in a name or language left out. */
const player = { game, username: name.optional(), language: name.optional() };
/** A bandwidth cap in MiB/s; null: off. */
const capMiBs = z.number().min(MIN_CAP_MIB_S).max(MAX_CAP_MIB_S).nullable();

const peerCommandSchema = z.discriminatedUnion('cmd', [
  z.object({ cmd: z.literal('status') }),
  z.object({ cmd: z.literal('list-peers') }),
  z.object({ cmd: z.literal('list-games') }),
  z.object({ cmd: z.literal('catalog') }),
  z.object({ cmd: z.literal('game-files'), game }),
  z.object({ cmd: z.literal('get-settings') }),
  // Strict: a misspelt setting is refused, not silently dropped.
  z.strictObject({
    cmd: z.literal('set-settings'),
    username: name.optional(),
    language: name.optional(),
    games_dir: z.string().trim().min(1).max(4096).optional(),
    encrypt_transfers: z.boolean().optional(),
    max_active_downloads: z.number().int().min(1).max(MAX_ACTIVE_DOWNLOADS).optional(),
  }),
  z.strictObject({
    cmd: z.literal('set-limits'),
    upload_mib_s: capMiBs.optional(),
    download_mib_s: capMiBs.optional(),
    playing: z.boolean().optional(),
  }),
  z.object({ cmd: z.literal('connect'), addr: z.string().min(3).max(300) }),
  z.object({ cmd: z.literal('set-game-dir'), path: z.string().trim().min(1).max(4096) }),
  z.object({
    cmd: z.literal('wait-peers'),
    count: z.number().int().min(0).max(10_000),
    timeout_ms: z.number().int().min(0).max(3_600_000).default(30_000),
  }),
  z.object({ cmd: z.literal('download'), game, install: z.boolean().default(true) }),
  z.object({ cmd: z.literal('install'), game }),
  z.object({ cmd: z.literal('uninstall'), game }),
  z.object({ cmd: z.literal('stream-install'), game }),
  z.object({ cmd: z.literal('cancel-download'), game }),
  z.object({ cmd: z.literal('pause-download'), game }),
  z.object({ cmd: z.literal('resume-download'), game }),
  z.object({
    cmd: z.literal('move-download'),
    game,
    position: z.number().int().min(1).max(10_000),
  }),
  z.object({ cmd: z.literal('play'), ...player }),
  z.object({ cmd: z.literal('start-server'), ...player }),
  z.object({ cmd: z.literal('update'), game }),
  z.object({ cmd: z.literal('remove-files'), game }),
  z.object({ cmd: z.literal('shutdown') }),
]);

type Parsed = z.infer<typeof peerCommandSchema>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
/** Compiles only while the schema parses to exactly the contract's `PeerCommand`. */
export type SchemaMatchesContract = Assert<Same<Parsed, PeerCommand>>;

export const PEER_COMMAND_NAMES: readonly PeerCommandName[] = peerCommandSchema.options.map(
  (option) => option.shape.cmd.value,
);

/** Parses one command object; the error text names what is wrong, for a `bad-command` answer. */
export function parsePeerCommand(
  value: unknown,
): { ok: true; command: PeerCommand } | { ok: false; message: string } {
  const parsed = peerCommandSchema.safeParse(value);
  if (parsed.success) return { ok: true, command: parsed.data };
  const cmd = typeof value === 'object' && value !== null && 'cmd' in value ? value.cmd : undefined;
  if (typeof cmd !== 'string' || !(PEER_COMMAND_NAMES as readonly string[]).includes(cmd)) {
    return {
      ok: false,
      message: `unknown command ${JSON.stringify(cmd ?? null)}; known: ${PEER_COMMAND_NAMES.join(', ')}`,
    };
  }
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(command)'}: ${i.message}`);
  return { ok: false, message: `bad arguments for ${cmd}: ${issues.join('; ')}` };
}
