/** The bounds of a game's catalog metadata, shared by the reader and the organiser's tool. */
export const MAX_GENRE_LENGTH = 64;
/** Inclusive ranges: a player count a game could have, a four-digit year. */
export const MAX_PLAYERS_RANGE = { min: 1, max: 9999 } as const;
export const RELEASE_YEAR_RANGE = { min: 1000, max: 9999 } as const;
