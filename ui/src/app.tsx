/** The page: a header with the views, the view shown, and the details of the game picked. */
import { useState } from 'react';
import { errorSentence } from './error-sentences.js';
import { GameDetails } from './game-details.js';
import { LibraryView } from './library-view.js';
import { LogView } from './log-view.js';
import { PartyView } from './party-view.js';
import { PeersView } from './peers-view.js';
import { SettingsView } from './settings-view.js';
import { ShareView } from './share-view.js';
import { usePartyBoard } from './use-party-board.js';
import { usePeerState } from './use-peer-state.js';
import { useReachability } from './use-reachability.js';
import { VIEWS, useHashView } from './use-hash-view.js';

const TITLES = {
  library: 'Library',
  party: 'Party',
  peers: 'Peers',
  share: 'Share',
  settings: 'Settings',
  log: 'Log',
};

export function App() {
  const state = usePeerState();
  const view = useHashView();
  const reach = useReachability();
  // Sampled all along, so the board's graph holds the last minutes when it is opened.
  const board = usePartyBoard(state.library);
  const [detailsOf, setDetailsOf] = useState<string>();
  const details = state.library.find((game) => game.id === detailsOf);

  return (
    <>
      <header className="container app-header">
        <nav>
          <ul>
            <li>
              <strong>lanspread</strong>
              {state.selfName !== '' && <small className="muted"> · {state.selfName}</small>}
            </li>
          </ul>
          <ul>
            {VIEWS.map((name) => (
              <li key={name}>
                <a href={`#/${name}`} aria-current={view === name ? 'page' : undefined}>
                  {TITLES[name]}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {!state.live && (
          <p className="banner warning" role="status">
            Not connected to the peer — reconnecting; what you see may be out of date.
          </p>
        )}
        {reach.unreachable && view !== 'share' && (
          <p className="banner warning" role="status">
            Other peers may not reach this computer: a firewall may block lanspread.{' '}
            <a href="#/share">How to allow it</a>
          </p>
        )}
        {state.loadError !== undefined && (
          <p className="banner error" role="alert">
            {errorSentence(state.loadError.code, state.loadError.message)}
          </p>
        )}
        {state.notice !== undefined && (
          <p className="banner success" role="status">
            {state.notice}{' '}
            <button type="button" className="link-button" onClick={state.dismissNotice}>
              OK
            </button>
          </p>
        )}
      </header>
      <main className="container">
        {view === 'library' && (
          <LibraryView games={state.library} run={state.run} openDetails={setDetailsOf} />
        )}
        {view === 'party' && (
          <PartyView
            library={state.library}
            status={board.status}
            peers={board.peers}
            samples={board.samples}
            selfName={state.selfName}
          />
        )}
        {view === 'peers' && <PeersView peers={state.peers} refresh={state.refresh} />}
        {view === 'share' && (
          <ShareView share={reach.share} status={reach.status} unreachable={reach.unreachable} />
        )}
        {view === 'settings' && (
          <SettingsView settings={state.settings} onSaved={state.setSettings} />
        )}
        {view === 'log' && <LogView />}
      </main>
      {details !== undefined && (
        <GameDetails
          game={details}
          peers={state.peers}
          run={state.run}
          onClose={() => {
            setDetailsOf(undefined);
          }}
        />
      )}
    </>
  );
}
