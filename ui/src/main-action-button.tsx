/** The one button a game card offers, and why when it is a stream install or nothing. */
import { ACTION_LABELS, type LibraryGame } from './game-model.js';
import type { GameCommand } from './use-peer-state.js';

const COMMAND_OF = {
  play: 'play',
  install: 'install',
  download: 'download',
  update: 'update',
  'stream-install': 'stream-install',
} as const satisfies Record<string, GameCommand>;

export function MainActionButton(props: {
  game: LibraryGame;
  run: (cmd: GameCommand, game: string) => Promise<void>;
}) {
  const { action, id } = props.game;
  // The state already says nobody has it; a dead button would only add noise.
  if (action.kind === 'none') return null;
  const command = COMMAND_OF[action.kind];
  return (
    <>
      <button type="button" className="main-action" onClick={() => void props.run(command, id)}>
        {ACTION_LABELS[action.kind]}
      </button>
      {action.kind === 'stream-install' && <p className="why">{action.why}</p>}
    </>
  );
}
