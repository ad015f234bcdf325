/** Every catalog game with search, filter and sort. */
import { useState } from 'react';
import { GameCard } from './game-card.js';
import {
  NO_METADATA_FILTER,
  genresOf,
  selectGames,
  type LibraryFilter,
  type LibraryGame,
  type LibrarySort,
  type MetadataFilter,
} from './game-model.js';
import type { PeerState } from './use-peer-state.js';

const FILTERS: { value: LibraryFilter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'installed', label: 'Installed' },
  { value: 'lan', label: 'On the LAN' },
];

/** The "players ≥ N" choices: the sizes a LAN party tends to have. */
const PLAYER_COUNTS = [2, 4, 8, 16, 32];

export function LibraryView(props: {
  games: LibraryGame[];
  run: PeerState['run'];
  openDetails: (game: string) => void;
}) {
  const [query, setQuery] = useState('');
  const [filter, setFilter] = useState<LibraryFilter>('all');
  const [sort, setSort] = useState<LibrarySort>('name');
  const [metadata, setMetadata] = useState<MetadataFilter>(NO_METADATA_FILTER);
  const shown = selectGames(props.games, query, filter, sort, metadata);
  const genres = genresOf(props.games);
  const anyPlayerCount = props.games.some((g) => g.maxPlayers !== null);

  return (
    <section aria-label="Library">
      <div className="library-toolbar">
        <input
          type="search"
          placeholder="Search games"
          aria-label="Search games"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
          }}
        />
        <div role="group" aria-label="Show">
          {FILTERS.map((f) => (
            <button
              key={f.value}
              type="button"
              className={filter === f.value ? '' : 'outline secondary'}
              aria-pressed={filter === f.value}
              onClick={() => {
                setFilter(f.value);
              }}
            >
              {f.label}
            </button>
          ))}
        </div>
        <div className="library-selects">
          <label className="library-select">
            Sort by
            <select
              value={sort}
              onChange={(e) => {
                setSort(e.target.value as LibrarySort);
              }}
            >
              <option value="name">Name</option>
              <option value="size">Size</option>
              <option value="sources">Sources</option>
            </select>
          </label>
          {genres.length > 0 && (
            <label className="library-select">
              Genre
              <select
                value={metadata.genre ?? ''}
                onChange={(e) => {
                  setMetadata({
                    ...metadata,
                    genre: e.target.value === '' ? null : e.target.value,
                  });
                }}
              >
                <option value="">All</option>
                {genres.map((genre) => (
                  <option key={genre} value={genre}>
                    {genre}
                  </option>
                ))}
              </select>
            </label>
          )}
          {anyPlayerCount && (
            <label className="library-select">
              Players
              <select
                value={metadata.minPlayers ?? ''}
                onChange={(e) => {
                  const n = Number(e.target.value);
                  setMetadata({ ...metadata, minPlayers: e.target.value === '' ? null : n });
                }}
              >
                <option value="">Any</option>
                {PLAYER_COUNTS.map((n) => (
                  <option key={n} value={n}>
                    {n} or more
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
      </div>
      {shown.length === 0 ? (
        <p className="muted">No game matches.</p>
      ) : (
        <div className="game-grid">
          {shown.map((game) => (
            <GameCard key={game.id} game={game} run={props.run} openDetails={props.openDetails} />
          ))}
        </div>
      )}
    </section>
  );
}
