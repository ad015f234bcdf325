/** Derives a game's availability on this peer from its root and the catalog version; pure. */
import type { GameVersion } from '../ids.js';
import type { LocalGame } from './local-game.js';

/** A game's availability while an operation runs on it: the operation, named (docs/peer-jsonl.md). */
export type BusyAvailability =
  'Downloading' | 'Installing' | 'Updating' | 'Uninstalling' | 'Removing';

export type Availability = 'Ready' | 'LocalOnly' | 'NotAvailable' | BusyAvailability;

export function deriveAvailability(
  game: LocalGame,
  catalogVersion: GameVersion,
  busy: BusyAvailability | null,
): Availability {
  if (busy !== null) return busy;
  if (game.downloaded && game.version === catalogVersion) return 'Ready';
  if (game.installed) return 'LocalOnly';
  return 'NotAvailable';
}

/** Only a Ready root may be served or counted as a source (docs/layout.md). */
export function isServable(
  game: LocalGame,
  catalogVersion: GameVersion,
  busy: BusyAvailability | null,
): boolean {
  return deriveAvailability(game, catalogVersion, busy) === 'Ready';
}
