/** Everything about one game: description, versions per peer, its files, and every action. */
import { useEffect, useState } from 'react';
import { api } from './api-client.js';
import type { FileRow, PeerRow } from './api-types.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { FailureNote } from './failure-note.js';
import { GameCover } from './game-cover.js';
import { AVAILABILITY_WORDS, isOutdated, metadataWords, type LibraryGame } from './game-model.js';
import { formatBytes } from '../../src/human-units.js';
import { ModalDialog } from './modal-dialog.js';
import { OperationProgress } from './operation-progress.js';
import { QueueControls } from './queue-controls.js';
import type { GameCommand, PeerState } from './use-peer-state.js';
import { VerifiedMark } from './verified-mark.js';

interface Confirmation {
  cmd: 'uninstall' | 'remove-files';
  title: string;
  text: string;
  label: string;
}

export function GameDetails(props: {
  game: LibraryGame;
  peers: PeerRow[];
  run: PeerState['run'];
  onClose: () => void;
}) {
  const { game, run } = props;
  const [files, setFiles] = useState<FileRow[]>();
  const [confirm, setConfirm] = useState<Confirmation>();
  const localKey = `${String(game.local?.downloaded)}${String(game.local?.installed)}`;

  useEffect(() => {
    api
      .files(game.id)
      .then((answer) => {
        setFiles(answer.files);
      })
      .catch(() => {
        setFiles([]);
      });
  }, [game.id, localKey]);

  const holders = props.peers.flatMap((peer) => {
    const row = peer.games.find((g) => g.id === game.id);
    return row === undefined ? [] : [{ peer, row }];
  });
  const busy = game.operation !== undefined || game.queue !== undefined;
  const installed = game.local?.installed === true;
  const running = game.local?.running === true;
  const serverRunning = game.local?.server_running === true;
  const downloaded = game.local?.downloaded === true;
  const metadata = metadataWords(game);
  const action = (cmd: GameCommand, label: string, className = 'secondary') => (
    <button
      type="button"
      className={className}
      disabled={busy}
      onClick={() => void run(cmd, game.id)}
    >
      {label}
    </button>
  );
  // Destructive actions ask first; the dialog runs the command.
  const destructive = (ask: Confirmation) => (
    <button
      type="button"
      className="secondary outline"
      disabled={busy}
      onClick={() => {
        setConfirm(ask);
      }}
    >
      {ask.label}
    </button>
  );

  return (
    <ModalDialog label={`${game.name} details`} onClose={props.onClose}>
      <article className="game-details">
        <header>
          <button type="button" aria-label="Close" rel="prev" onClick={props.onClose} />
          <div className="details-header">
            <GameCover game={game} size="details" />
            <div>
              <h2>{game.name}</h2>
              {metadata !== '' && <p className="game-metadata">{metadata}</p>}
              <p className="game-facts">
                <span>{formatBytes(game.size)}</span>
                <span>version {game.catalogVersion}</span>
                <span className="game-state">{game.state}</span>
                {game.verified && <VerifiedMark />}
                {serverRunning && <span className="game-state">server running</span>}
              </p>
              {game.description !== null && (
                <p className="details-description">{game.description}</p>
              )}
            </div>
          </div>
        </header>
        {game.local !== undefined && (
          <p className="muted">
            Here: version {game.local.eti_game_version},{' '}
            {AVAILABILITY_WORDS[game.local.availability]}
            {isOutdated(game) ? ' (older than the catalog)' : ''}
          </p>
        )}
        {game.operation !== undefined && <OperationProgress game={game} run={run} />}
        <QueueControls game={game} run={run} />
        {game.failure !== undefined && <FailureNote failure={game.failure} />}
        {/* While something runs or waits, its progress and queue controls above are the only actions. */}
        <div className="detail-actions" hidden={busy}>
          {installed && !running && action('play', 'Play', '')}
          {/* Offered for every installed game: whether it ships server_start.* is known only on trying. */}
          {installed && !serverRunning && action('start-server', 'Start server')}
          {!downloaded &&
            !installed &&
            game.peerCount > 0 &&
            action('download', 'Download & install', '')}
          {downloaded && !installed && action('install', 'Install', '')}
          {isOutdated(game) && game.peerCount > 0 && action('update', 'Update')}
          {!installed && game.peerCount > 0 && action('stream-install', 'Stream install')}
          {/* A running game's files cannot be changed; the peer would refuse with game-running. */}
          {installed &&
            !running &&
            !serverRunning &&
            destructive({
              cmd: 'uninstall',
              title: `Uninstall ${game.name}?`,
              text: 'The installed files (local/) are deleted. The downloaded archive stays, so you can install again without downloading.',
              label: 'Uninstall',
            })}
          {game.local !== undefined &&
            !running &&
            !serverRunning &&
            destructive({
              cmd: 'remove-files',
              title: `Remove every file of ${game.name}?`,
              text: `The whole game folder is deleted: archive and install (${formatBytes(game.local.size)}). Others can no longer download it from you.`,
              label: 'Remove files',
            })}
        </div>
        <h3>On the LAN</h3>
        {holders.length === 0 ? (
          <p className="muted">No connected peer has this game.</p>
        ) : (
          <ul className="holders">
            {holders.map(({ peer, row }) => (
              <li key={peer.peer_id}>
                <strong>{peer.name}</strong> <span className="muted">({peer.addr})</span>: version{' '}
                {row.eti_game_version}
                {row.eti_game_version !== game.catalogVersion
                  ? ' — not the catalog version'
                  : ''}, {AVAILABILITY_WORDS[row.availability]}
              </li>
            ))}
          </ul>
        )}
        <h3>Files here</h3>
        {files === undefined ? (
          <p aria-busy="true">Loading…</p>
        ) : files.length === 0 ? (
          <p className="muted">No files of this game in the games folder.</p>
        ) : (
          <ul className="file-list">
            {files.map((file) => (
              <li key={file.path}>
                <code>{file.path}</code> <span className="muted">{formatBytes(file.size)}</span>
              </li>
            ))}
          </ul>
        )}
      </article>
      {confirm !== undefined && (
        <ConfirmDialog
          title={confirm.title}
          text={confirm.text}
          confirmLabel={confirm.label}
          onCancel={() => {
            setConfirm(undefined);
          }}
          onConfirm={() => {
            setConfirm(undefined);
            void run(confirm.cmd, game.id);
          }}
        />
      )}
    </ModalDialog>
  );
}
