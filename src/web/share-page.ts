/** The "Get lanspread" page of the share port: what lanspread is, and one link per executable (pure). */

export interface SharedFile {
  name: string;
  size: number;
  sha256: string;
}

const LABELS: Record<string, string> = {
  'lanspread-win-x64.exe': 'Windows (64-bit)',
  'lanspread-linux-x64': 'Linux (64-bit)',
  SHA256SUMS: 'Checksums of both (SHA256SUMS)',
};

const STYLE = `body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1f24}
h1{margin-bottom:.25rem}ul{padding:0;list-style:none}li{margin:1rem 0;padding:1rem;border:1px solid #d0d7de;border-radius:.5rem}
a{font-size:1.15rem;font-weight:600}code{font-size:.85rem;word-break:break-all}p code{white-space:nowrap}small{color:#57606a}`;

export function sharePage(files: readonly SharedFile[]): string {
  const items =
    files.length === 0
      ? '<p><strong>This peer has no executables to hand out; the organiser builds them with <code>npm run dist</code>.</strong></p>'
      : `<ul>${files.map(fileItem).join('')}</ul>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Get lanspread</title><style>${STYLE}</style></head>
<body><h1>Get lanspread</h1>
<p>lanspread shares the game library of everyone at this LAN party, computer to computer, with no
internet. Download the file for your system and double-click it: it finds the other players and
opens its page in your browser. Windows may say it protected your PC (SmartScreen), because the
file is not signed: choose <em>More info</em>, then <em>Run anyway</em>. On Linux make the file
executable first: <code>chmod +x lanspread-linux-x64</code>.</p>
${items}
</body></html>
`;
}

/** Names come from the fixed list of release files, so nothing here needs escaping. */
function fileItem(file: SharedFile): string {
  const label = LABELS[file.name] ?? file.name;
  return (
    `<li><a href="/download/${file.name}" download="${file.name}">${label}</a><br>` +
    `<small>${file.name} · ${sizeText(file.size)}</small><br>` +
    `<small>SHA-256 <code>${file.sha256}</code></small></li>`
  );
}

function sizeText(size: number): string {
  const mib = 2 ** 20;
  return size < mib ? `${size} bytes` : `${(size / mib).toFixed(1)} MiB (${size} bytes)`;
}
