/** The bandwidth caps (MiB/s, empty for off) and the playing toggle, saved by the server (`PUT /api/limits`). */
import { useEffect, useState, type SubmitEvent } from 'react';
import { ApiFailure, api } from './api-client.js';
import type { LimitsView } from './api-types.js';
import { errorSentence } from './error-sentences.js';

type Cap = 'upload_mib_s' | 'download_mib_s';
const CAPS: readonly Cap[] = ['upload_mib_s', 'download_mib_s'];
/** Playing mode starts and ends with a game: look again now and then while the form is open. */
const REFRESH_MS = 5_000;

function shown(mib: number | null): string {
  return mib === null ? '' : String(mib);
}

function failureText(err: unknown): string {
  const failure =
    err instanceof ApiFailure ? err : new ApiFailure({ code: 'internal', message: String(err) });
  return failure.code === 'bad-command'
    ? 'Enter MiB/s from 0.1 up, or leave it empty for no limit.'
    : errorSentence(failure.code, failure.message);
}

export function LimitsForm() {
  const [limits, setLimits] = useState<LimitsView>();
  const [draft, setDraft] = useState<Record<Cap, string>>({ upload_mib_s: '', download_mib_s: '' });
  const [edited, setEdited] = useState(false);
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  // The switch shows the click at once; the server's answer then replaces it.
  const [playingAsked, setPlayingAsked] = useState<boolean>();

  useEffect(() => {
    let live = true;
    const load = () => {
      api.status().then(
        (status) => {
          if (live) setLimits(status.limits);
        },
        () => undefined,
      );
    };
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);

  useEffect(() => {
    if (limits === undefined || edited) return;
    setDraft({
      upload_mib_s: shown(limits.upload_mib_s),
      download_mib_s: shown(limits.download_mib_s),
    });
  }, [limits, edited]);

  if (limits === undefined) return null;

  const apply = async (change: Parameters<typeof api.saveLimits>[0]) => {
    setBusy(true);
    setSaved(false);
    try {
      setLimits(await api.saveLimits(change));
      setError(undefined);
      setEdited(false);
      setSaved(true);
    } catch (err) {
      setError(failureText(err));
    }
    setPlayingAsked(undefined);
    setBusy(false);
  };

  const save = (event: SubmitEvent) => {
    event.preventDefault();
    const change: Partial<Record<Cap, number | null>> = {};
    for (const cap of CAPS) {
      const text = draft[cap].trim();
      change[cap] = text === '' ? null : Number(text);
    }
    void apply(change);
  };

  const capInput = (cap: Cap, label: string) => (
    <label>
      {label}
      <input
        name={cap}
        type="number"
        min="0.1"
        step="any"
        inputMode="decimal"
        placeholder="No limit"
        value={draft[cap]}
        onChange={(e) => {
          setDraft({ ...draft, [cap]: e.target.value });
          setEdited(true);
          setSaved(false);
        }}
        aria-invalid={error !== undefined ? true : undefined}
      />
    </label>
  );

  const why =
    limits.playing_games.length > 0
      ? `on while ${limits.playing_games.join(', ')} runs`
      : limits.playing
        ? 'on'
        : 'off';
  return (
    <form onSubmit={save} className="settings-form" aria-labelledby="limits-title">
      <h3 id="limits-title">Bandwidth</h3>
      <div className="grid">
        {capInput('upload_mib_s', 'Upload limit (MiB/s)')}
        {capInput('download_mib_s', 'Download limit (MiB/s)')}
      </div>
      <small id="limits-help" className={error !== undefined ? 'failure' : ''}>
        {error ??
          'Shared by every transfer and applied at once; leave empty for no limit. Saved for the next start.'}
      </small>
      <fieldset>
        <label>
          <input
            type="checkbox"
            role="switch"
            name="playing"
            checked={playingAsked ?? limits.playing_by_hand}
            disabled={busy}
            onChange={(e) => {
              setPlayingAsked(e.target.checked);
              void apply({ playing: e.target.checked });
            }}
            aria-describedby="playing-help"
          />
          I'm playing
        </label>
      </fieldset>
      <small id="playing-help">
        {`Playing mode (${why}) holds uploads to ${limits.playing_upload_mib_s} MiB/s so your game does not lag; it is on by itself while a game started here runs.`}
        {limits.playing &&
          ` Uploads now: at most ${limits.effective_upload_mib_s ?? limits.playing_upload_mib_s} MiB/s.`}
      </small>
      <button type="submit" disabled={busy || !edited} aria-busy={busy}>
        Apply limits
      </button>
      {saved && (
        <p className="success-text" role="status">
          Limits applied.
        </p>
      )}
    </form>
  );
}
