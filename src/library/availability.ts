/** Derives a game's availability on this peer from its root and the catalog version; pure. */
import type { GameVersion } from '../ids.js';
import type { LocalGame } from './local-game.js';

export type Availability = 'Ready' | 'LocalOnly' | 'Downloading' | 'Installing' | 'NotAvailable';

export type ActiveOperation = 'download' | 'install' | null;

export function deriveAvailability(
  game: LocalGame,
  catalogVersion: GameVersion,
  activeOperation: ActiveOperation,
): Availability {
  if (activeOperation === 'download') return 'Downloading';
  if (activeOperation === 'install') return 'Installing';
  if (game.downloaded && game.version === catalogVersion) return 'Ready';
  if (game.installed) return 'LocalOnly';
  return 'NotAvailable';
}

/** Only a Ready root may be served or counted as a source (docs/layout.md). */
export function isServable(
  game: LocalGame,
  catalogVersion: GameVersion,
  activeOperation: ActiveOperation,
): boolean {
  return deriveAvailability(game, catalogVersion, activeOperation) === 'Ready';
}
