/** The "Get lanspread" addresses for the wall (with QR codes), the files guests get, and the firewall fix. */
import type { ShareInfo, StatusResult } from './api-types.js';
import { firewallCommands, portOf } from './firewall-hint.js';
import { formatBytes } from '../../src/human-units.js';
import { QrCode } from './qr-code.js';

export function ShareView(props: {
  share: ShareInfo | undefined;
  status: StatusResult | undefined;
  unreachable: boolean;
}) {
  const { share, status } = props;
  return (
    <section aria-labelledby="view-title">
      <h2 id="view-title">Share lanspread</h2>
      <p>
        Guests without lanspread open this address in a browser on the LAN and download it from this
        computer — no internet needed. Put it on the wall.
      </p>
      {share === undefined ? <p aria-busy="true">Loading…</p> : <ShareAddresses share={share} />}
      {status !== undefined && (
        <FirewallHelp status={status} share={share} unreachable={props.unreachable} />
      )}
    </section>
  );
}

function ShareAddresses({ share }: { share: ShareInfo }) {
  if (share.error !== undefined) {
    return (
      <p className="banner warning" role="status">
        The share page is not served: {share.error}.
      </p>
    );
  }
  return (
    <>
      {share.urls.length === 0 ? (
        <p className="banner warning" role="status">
          This computer has no LAN address yet: connect it to the network.
        </p>
      ) : (
        <div className="share-urls">
          {share.urls.map((url) => (
            <article key={url} className="share-url">
              <QrCode text={url} label={`QR code of ${url}`} />
              <a href={url} target="_blank" rel="noreferrer">
                {url}
              </a>
            </article>
          ))}
        </div>
      )}
      <h3>Files handed out</h3>
      {share.files.length === 0 ? (
        <p className="muted">
          This peer has no executables to hand out; the organiser builds them with{' '}
          <code>npm run dist</code> (or starts serve with <code>--release-dir DIR</code>).
        </p>
      ) : (
        <div className="table-wrap">
          <table className="striped share-files">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Size</th>
                <th scope="col">SHA-256</th>
              </tr>
            </thead>
            <tbody>
              {share.files.map((file) => (
                <tr key={file.name}>
                  <td>
                    <code>{file.name}</code>
                  </td>
                  <td>{formatBytes(file.size)}</td>
                  <td>
                    <code className="sha256">{file.sha256}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function FirewallHelp(props: {
  status: StatusResult;
  share: ShareInfo | undefined;
  unreachable: boolean;
}) {
  const peerPort = portOf(props.status.addr);
  if (peerPort === null) return null;
  const { beacon, mdns } = props.status.discovery;
  const commands = firewallCommands({
    peer: peerPort,
    share: props.share?.port ?? null,
    beacon: beacon.enabled ? beacon.port : null,
    mdns: mdns.enabled,
  });
  return (
    <details className="firewall-help" open={props.unreachable}>
      <summary>If other players cannot reach this computer</summary>
      {props.unreachable && (
        <p className="banner warning" role="status">
          Other peers may not reach this computer: it has seen peers for over a minute, but none has
          connected to it and no guest has opened its share page.
        </p>
      )}
      <p>
        Allow lanspread through Windows Defender Firewall for <strong>Private</strong> networks (and
        make sure this network is set to Private), or open TCP ports {commands.tcp.join(', ')}
        {commands.udp.length > 0 && ` and UDP ports ${commands.udp.join(', ')}`}. The peer port{' '}
        {peerPort} is picked at each start unless serve is started with{' '}
        <code>--listen 0.0.0.0:PORT</code>.
      </p>
      <p>Windows (in a terminal run as administrator):</p>
      <pre>
        <code>{commands.windows.join('\n')}</code>
      </pre>
      <p>Linux with ufw:</p>
      <pre>
        <code>{commands.linux.join('\n')}</code>
      </pre>
    </details>
  );
}
