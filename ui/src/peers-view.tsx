/** The peers this one is connected to, and a field to connect to one by address. */
import { useEffect, useState, type SubmitEvent } from 'react';
import { ApiFailure, api } from './api-client.js';
import type { PeerRow } from './api-types.js';
import { errorSentence } from './error-sentences.js';
import { formatAge } from '../../src/human-units.js';

export function PeersView(props: { peers: PeerRow[]; refresh: () => void }) {
  const [addr, setAddr] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  // Pings move "last seen" without an event, so the list is refetched while it is shown.
  const { refresh } = props;
  useEffect(() => {
    const timer = window.setInterval(refresh, 5000);
    return () => {
      window.clearInterval(timer);
    };
  }, [refresh]);

  const connect = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    setMessage(undefined);
    try {
      await api.command('connect', { addr: addr.trim() });
      setMessage({ ok: true, text: `Connected to ${addr.trim()}.` });
      setAddr('');
      props.refresh();
    } catch (err) {
      const failure =
        err instanceof ApiFailure
          ? err
          : new ApiFailure({ code: 'internal', message: String(err) });
      setMessage({ ok: false, text: errorSentence(failure.code, failure.message) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="view-title">
      <h2 id="view-title">Peers</h2>
      <form className="connect-form" onSubmit={(e) => void connect(e)}>
        <label htmlFor="connect-addr">Connect to address</label>
        <fieldset role="group">
          <input
            id="connect-addr"
            name="addr"
            placeholder="192.168.1.20:47620"
            value={addr}
            required
            onChange={(e) => {
              setAddr(e.target.value);
            }}
            aria-invalid={message?.ok === false ? true : undefined}
            aria-describedby="connect-message"
          />
          <button type="submit" disabled={busy} aria-busy={busy}>
            Connect
          </button>
        </fieldset>
        <small id="connect-message" className={message?.ok === false ? 'failure' : ''}>
          {message?.text ?? 'Peers on the LAN are found by themselves; use this when one is not.'}
        </small>
      </form>
      {props.peers.length === 0 ? (
        <p className="muted">No peer connected yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="striped">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Address</th>
                <th scope="col">Games</th>
                <th scope="col">State</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {props.peers.map((peer) => (
                <tr key={peer.peer_id} data-peer={peer.name}>
                  <td title={peer.peer_id}>{peer.name}</td>
                  <td>
                    <code>{peer.addr}</code>
                  </td>
                  <td>{peer.games.length}</td>
                  <td>connected</td>
                  <td>{formatAge(Date.now() - peer.last_seen_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
