/** One game in the library: cover, name, what the catalog says, size, state in words, its main action, progress and failure. */
import { FailureNote } from './failure-note.js';
import { GameCover } from './game-cover.js';
import { metadataWords, type LibraryGame } from './game-model.js';
import { formatBytes } from '../../src/human-units.js';
import { MainActionButton } from './main-action-button.js';
import { OperationProgress } from './operation-progress.js';
import { QueueControls } from './queue-controls.js';
import type { PeerState } from './use-peer-state.js';
import { VerifiedMark } from './verified-mark.js';

export function GameCard(props: {
  game: LibraryGame;
  run: PeerState['run'];
  openDetails: (game: string) => void;
}) {
  const { game } = props;
  const metadata = metadataWords(game);
  return (
    <article className="game-card" data-game={game.id} aria-label={game.name}>
      <button
        type="button"
        className="cover-button"
        tabIndex={-1}
        aria-hidden="true"
        onClick={() => {
          props.openDetails(game.id);
        }}
      >
        <GameCover game={game} size="card" />
      </button>
      <div>
        <h3>{game.name}</h3>
        {metadata !== '' && <p className="game-metadata">{metadata}</p>}
        <p className="game-facts">
          <span>{formatBytes(game.size)}</span>
          <span className="game-state" data-state={game.state}>
            {game.state}
          </span>
          {game.verified && <VerifiedMark />}
        </p>
      </div>
      {game.operation !== undefined && <OperationProgress game={game} run={props.run} />}
      {game.operation === undefined && game.queue === undefined && (
        <MainActionButton game={game} run={props.run} />
      )}
      <QueueControls game={game} run={props.run} />
      {game.failure !== undefined && <FailureNote failure={game.failure} />}
      <div className="card-links">
        <button
          type="button"
          className="link-button"
          onClick={() => {
            props.openDetails(game.id);
          }}
        >
          Details<span className="visually-hidden"> of {game.name}</span>
        </button>
      </div>
    </article>
  );
}
