/** The peer's commands as the JSONL harness and the web API receive them, validated by zod. */
import { z } from 'zod';

const game = z.string().min(1).max(128);
const player = {
  game,
  username: z.string().min(1).max(64),
  language: z.string().min(1).max(64),
};

export const peerCommandSchema = z.discriminatedUnion('cmd', [
  z.object({ cmd: z.literal('status') }),
  z.object({ cmd: z.literal('list-peers') }),
  z.object({ cmd: z.literal('list-games') }),
  z.object({ cmd: z.literal('connect'), addr: z.string().min(3).max(300) }),
  z.object({ cmd: z.literal('set-game-dir'), path: z.string().min(1).max(4096) }),
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
  z.object({ cmd: z.literal('play'), ...player }),
  z.object({ cmd: z.literal('start-server'), ...player }),
  z.object({ cmd: z.literal('update'), game }),
  z.object({ cmd: z.literal('remove-files'), game }),
  z.object({ cmd: z.literal('shutdown') }),
]);

export type PeerCommand = z.infer<typeof peerCommandSchema>;
export type PeerCommandName = PeerCommand['cmd'];

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
