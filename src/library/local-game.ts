/** What the scan knows of one game root on this disk. */
import type { GameId, GameVersion } from '../ids.js';

export interface LocalGame {
  readonly id: GameId;
  /** The version in version.ini; null when it is absent or unreadable. */
  readonly version: GameVersion | null;
  /** version.ini is present: the root is complete (at some version). */
  readonly downloaded: boolean;
  /** local/ is present: the game is installed. */
  readonly installed: boolean;
  /** Bytes of the root's regular files, excluding local/, .local.installing/, .local.backup/ and .lanspread/. */
  readonly size: number;
}
