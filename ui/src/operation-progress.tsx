/** A running operation: bar, bytes, speed, time left, sources in use, and cancel. */
import type { LibraryGame } from './game-model.js';
import { formatBytes, formatDuration } from '../../src/human-units.js';
import { progressFigures } from '../../src/progress-fold.js';
import type { GameCommand } from './use-peer-state.js';

/** Uninstalling and removing files are quick and cannot be rolled back halfway. */
const UNCANCELLABLE = new Set(['uninstall', 'remove-files']);

export function OperationProgress(props: {
  game: LibraryGame;
  run: (cmd: GameCommand, game: string) => Promise<void>;
}) {
  const op = props.game.operation;
  if (op === undefined) return null;
  const { phase, bytesDone, bytesTotal, sources, busySources } = op.progress;
  const total = phase === 'downloading' ? (bytesTotal ?? 0) : 0;
  const counting = total > 0;
  const { bytesPerSecond, etaSeconds } = progressFigures(op.progress, Date.now());
  return (
    <div className="operation" aria-live="polite">
      {counting ? (
        <progress value={bytesDone} max={total} aria-label={`${props.game.name} progress`} />
      ) : (
        <progress aria-label={`${props.game.name} progress`} />
      )}
      {counting && (
        <p className="operation-facts">
          <span>
            {formatBytes(bytesDone)} of {formatBytes(total)}
          </span>
          <span>{((bytesPerSecond ?? 0) / 1048576).toFixed(1)} MiB/s</span>
          <span>{formatDuration(etaSeconds ?? Number.NaN)} left</span>
          <span
            title={
              busySources > 0
                ? `${busySources} busy serving other peers: asked again shortly`
                : undefined
            }
          >
            {sources} {sources === 1 ? 'source' : 'sources'}
            {busySources > 0 && `, ${busySources} busy`}
          </span>
        </p>
      )}
      {!UNCANCELLABLE.has(op.kind) && (
        <button
          type="button"
          className="secondary outline cancel"
          onClick={() => void props.run('cancel-download', props.game.id)}
        >
          Cancel
        </button>
      )}
    </div>
  );
}
