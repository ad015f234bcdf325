/** Settings' "open on a phone": a QR code of this page's LAN address with its token, or how to make the page reachable. */
import { useEffect, useState } from 'react';
import { api, withToken } from './api-client.js';
import { QrCode } from './qr-code.js';

export function PhoneLink() {
  const [answer, setAnswer] = useState<{ loopback: boolean; urls: string[] }>();
  useEffect(() => {
    let stopped = false;
    api.uiUrls().then(
      (result) => {
        if (!stopped) setAnswer(result);
      },
      () => {
        // The header tells when the peer cannot be reached; nothing to scan then.
        if (!stopped) setAnswer({ loopback: false, urls: [] });
      },
    );
    return () => {
      stopped = true;
    };
  }, []);

  const [first, ...others] = answer?.urls ?? [];
  return (
    <section aria-labelledby="phone-title" className="phone-section">
      <h3 id="phone-title">Open on a phone</h3>
      {answer === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : answer.loopback ? (
        <p className="muted">
          This page listens on this computer only, so a phone cannot open it. Start lanspread with{' '}
          <code>--ui 0.0.0.0:47630</code> to reach it over the LAN; a code to scan then shows here.
        </p>
      ) : first === undefined ? (
        <p className="muted">This computer has no LAN address yet: connect it to the network.</p>
      ) : (
        <div className="phone-link">
          <QrCode text={withToken(first)} label={`QR code of this page at ${first}`} />
          <div className="phone-link-text">
            <p>
              Scan it on a phone on the same network to control this peer from there. The code
              carries this page's access token: show it only to people you trust with your
              downloads.
            </p>
            <p>
              <a href={withToken(first)} data-phone-url>
                {first}
              </a>
              {others.length > 0 && <small className="muted"> (also {others.join(', ')})</small>}
            </p>
          </div>
        </div>
      )}
    </section>
  );
}
