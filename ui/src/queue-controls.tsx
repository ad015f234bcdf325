/** A queued, running or paused download's place in the queue: pause or resume, move up or down, cancel while it waits. */
import type { LibraryGame } from './game-model.js';
import type { PeerState } from './use-peer-state.js';

export function QueueControls(props: { game: LibraryGame; run: PeerState['run'] }) {
  const { game, run } = props;
  const row = game.queue;
  if (row === undefined) return null;
  const button = (label: string, onClick: () => void, hint: string) => (
    <button
      type="button"
      className="secondary outline"
      title={hint}
      aria-label={`${hint}: ${game.name}`}
      onClick={onClick}
    >
      {label}
    </button>
  );
  const move = (position: number) => () => void run('move-download', game.id, { position });
  // Once every byte is here a pause has nothing to stop: the install runs to its end.
  const installing = game.operation?.progress.phase === 'installing';
  return (
    <div className="queue-controls" role="group" aria-label={`${game.name} in the queue`}>
      {row.state === 'paused'
        ? button('Resume', () => void run('resume-download', game.id), 'Resume the download')
        : !installing &&
          button('Pause', () => void run('pause-download', game.id), 'Pause the download')}
      {row.position > 1 && button('↑', move(row.position - 1), 'Move up in the queue')}
      {button('↓', move(row.position + 1), 'Move down in the queue')}
      {/* A running download is cancelled from its progress. */}
      {row.state !== 'running' &&
        button('Cancel', () => void run('cancel-download', game.id), 'Remove from the queue')}
    </div>
  );
}
