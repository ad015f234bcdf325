/** A game's cover art from the catalog, or a placeholder drawn from its name and id when it has none. */
import { useState } from 'react';
import { coverUrl } from './api-client.js';
import { hueOf, initialsOf } from './cover-placeholder.js';
import type { LibraryGame } from './game-model.js';

export function GameCover(props: { game: LibraryGame; size: 'card' | 'details' }) {
  const { game } = props;
  // An image that fails to load (the catalog changed under a running page) falls back too.
  const [failed, setFailed] = useState(false);
  const className = `game-cover game-cover-${props.size}`;
  if (game.hasCover && !failed) {
    return (
      <img
        className={className}
        src={coverUrl(game.id)}
        alt={`Cover of ${game.name}`}
        loading="lazy"
        decoding="async"
        onError={() => {
          setFailed(true);
        }}
      />
    );
  }
  const hue = hueOf(game.id);
  return (
    <div
      className={`${className} game-cover-placeholder`}
      role="img"
      aria-label={`${game.name} (no cover art)`}
      data-hue={hue}
      style={{ '--cover-hue': String(hue) } as React.CSSProperties}
    >
      <span className="cover-initials" aria-hidden="true">
        {initialsOf(game.name)}
      </span>
      <span className="cover-title" aria-hidden="true">
        {game.name}
      </span>
    </div>
  );
}
