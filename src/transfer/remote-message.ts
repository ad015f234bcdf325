/** What a failure says to a remote peer: nothing of this machine's folders. */
import { sep } from 'node:path';

/**
 * `message` with the game root's absolute path taken out (`/home/alice/games/cnc4/x.eti` →
 * `x.eti`): a remote learns which file failed, not the user's name or folder layout. Cut to
 * 1 KiB, as a control frame carries it.
 */
export function messageForRemote(message: string, root: string): string {
  const prefix = root.endsWith(sep) ? root : root + sep;
  return message.split(prefix).join('').split(root).join('.').slice(0, 1024);
}
