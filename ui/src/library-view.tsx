/** Every catalog game with search, filter and sort. */
import { useState } from 'react';
import { GameCard } from './game-card.js';
import {
  selectGames,
  type LibraryFilter,
  type LibraryGame,
  type LibrarySort,
} from './game-model.js';
import type { PeerState } from './use-peer-state.js';

const FILTERS: { value: LibraryFilter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'installed', label: 'Installed' },
  { value: 'lan', label: 'On the LAN' },
];

export function LibraryView(props: {
  games: LibraryGame[];
  run: PeerState['run'];
  openDetails: (game: string) => void;
}) {
  const [query, setQuery] = useState('');
  const [filter, setFilter] = useState<LibraryFilter>('all');
  const [sort, setSort] = useState<LibrarySort>('name');
  const shown = selectGames(props.games, query, filter, sort);

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
        <label className="sort-by">
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
