/** A running operation: bar, bytes, speed, time left, sources in use, and cancel. */
import type { LibraryGame } from './game-model.js';
import { formatBytes, formatDuration } from '../../src/human-units.js';
import type { GameCommand } from './use-peer-state.js';

const CANCELLABLE = new Set(['starting', 'download', 'install', 'stream-install', 'update']);

export function OperationProgress(props: {
  game: LibraryGame;
  run: (cmd: GameCommand, game: string) => Promise<void>;
}) {
  const op = props.game.operation;
  if (op === undefined) return null;
  const counting = (op.phase === 'download' || op.phase === 'stream-install') && op.bytesTotal > 0;
  const bytesLeft = op.bytesTotal - op.bytesDone;
  const eta = op.mibPerS > 0 ? bytesLeft / (op.mibPerS * 1024 * 1024) : Number.NaN;
  return (
    <div className="operation" aria-live="polite">
      {counting ? (
        <progress
          value={op.bytesDone}
          max={op.bytesTotal}
          aria-label={`${props.game.name} progress`}
        />
      ) : (
        <progress aria-label={`${props.game.name} progress`} />
      )}
      {counting && (
        <p className="operation-facts">
          <span>
            {formatBytes(op.bytesDone)} of {formatBytes(op.bytesTotal)}
          </span>
          <span>{op.mibPerS.toFixed(1)} MiB/s</span>
          <span>{formatDuration(eta)} left</span>
          <span>
            {op.activePeers} {op.activePeers === 1 ? 'source' : 'sources'}
          </span>
        </p>
      )}
      {CANCELLABLE.has(op.phase) && (
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
