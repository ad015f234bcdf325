/** A QR code drawn as inline SVG (uqr encodes it; nothing is loaded, so the page's CSP holds). */
import { useMemo } from 'react';
import { encode } from 'uqr';

/** Four light modules around the code: the quiet zone scanners expect. */
const QUIET_ZONE = 4;

export function QrCode(props: { text: string; label: string }) {
  const qr = useMemo(() => encode(props.text, { ecc: 'M', border: QUIET_ZONE }), [props.text]);
  const path = qr.data
    .flatMap((row, y) => row.map((dark, x) => (dark ? `M${x} ${y}h1v1h-1z` : '')))
    .join('');
  return (
    <svg
      className="qr-code"
      viewBox={`0 0 ${qr.size} ${qr.size}`}
      role="img"
      aria-label={props.label}
      shapeRendering="crispEdges"
    >
      <rect width={qr.size} height={qr.size} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
