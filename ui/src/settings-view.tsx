/** Player name, language, games folder, transfer encryption and download slots, saved by the server (a refused field shows why beside it); the caps; the phone link. */
import { useEffect, useRef, useState, type SubmitEvent } from 'react';
import { ApiFailure, api } from './api-client.js';
import type { SettingsView as SavedSettings } from './api-types.js';
import { errorSentence } from './error-sentences.js';
import { gamesFolderHint } from './games-folder-hint.js';
import { LimitsForm } from './limits-form.js';
import { PhoneLink } from './phone-link.js';

type Field = 'username' | 'language' | 'games_dir';
const FIELDS: readonly Field[] = ['username', 'language', 'games_dir'];
const EMPTY: Record<Field, string> = { username: '', language: '', games_dir: '' };
type Setting = Field | 'encrypt_transfers' | 'max_active_downloads';

export function SettingsView(props: {
  settings: SavedSettings | undefined;
  onSaved: (s: SavedSettings) => void;
}) {
  const [draft, setDraft] = useState<Record<Field, string>>(EMPTY);
  // The server's values the draft started from: a refetch replaces only fields not being edited.
  const base = useRef<Record<Field, string>>(EMPTY);
  const [encrypt, setEncrypt] = useState(false);
  const baseEncrypt = useRef(false);
  const [slots, setSlots] = useState(2);
  const baseSlots = useRef(2);
  const [errors, setErrors] = useState<Partial<Record<Setting, string>>>({});
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const { settings } = props;

  useEffect(() => {
    if (settings === undefined) return;
    const fresh = {
      username: settings.username,
      language: settings.language,
      games_dir: settings.games_dir,
    };
    const before = base.current;
    base.current = fresh;
    setDraft((current) => {
      const next = { ...current };
      for (const field of FIELDS) if (current[field] === before[field]) next[field] = fresh[field];
      return next;
    });
    const encryptBefore = baseEncrypt.current;
    baseEncrypt.current = settings.encrypt_transfers;
    setEncrypt((current) => (current === encryptBefore ? settings.encrypt_transfers : current));
    const slotsBefore = baseSlots.current;
    baseSlots.current = settings.max_active_downloads;
    setSlots((current) => (current === slotsBefore ? settings.max_active_downloads : current));
  }, [settings]);

  if (settings === undefined) return <p aria-busy="true">Loading settings…</p>;

  const save = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    setSaved(false);
    const changed: [Setting, Parameters<typeof api.saveSettings>[0]][] = FIELDS.filter(
      (field) => draft[field] !== settings[field],
    ).map((field) => [field, { [field]: draft[field] }]);
    if (encrypt !== settings.encrypt_transfers) {
      changed.push(['encrypt_transfers', { encrypt_transfers: encrypt }]);
    }
    if (slots !== settings.max_active_downloads) {
      changed.push(['max_active_downloads', { max_active_downloads: slots }]);
    }
    const nextErrors: Partial<Record<Setting, string>> = {};
    // One field at a time, so a refused games folder does not hold back a new name.
    for (const [field, change] of changed) {
      try {
        props.onSaved(await api.saveSettings(change));
      } catch (err) {
        const failure =
          err instanceof ApiFailure
            ? err
            : new ApiFailure({ code: 'internal', message: String(err) });
        nextErrors[field] =
          failure.code === 'bad-game-dir' || failure.code === 'bad-command'
            ? failure.message
            : errorSentence(failure.code, failure.message);
      }
    }
    setErrors(nextErrors);
    setSaved(changed.length > 0 && Object.keys(nextErrors).length === 0);
    setBusy(false);
  };

  const field = (name: Field, label: string, hint: string) => (
    <label>
      {label}
      <input
        name={name}
        value={draft[name]}
        onChange={(e) => {
          setDraft({ ...draft, [name]: e.target.value });
          setSaved(false);
        }}
        aria-invalid={errors[name] !== undefined ? true : undefined}
        aria-describedby={`${name}-help`}
      />
      <small id={`${name}-help`} className={errors[name] !== undefined ? 'failure' : ''}>
        {errors[name] ?? hint}
      </small>
    </label>
  );

  return (
    <section aria-labelledby="view-title">
      <h2 id="view-title">Settings</h2>
      <form onSubmit={(e) => void save(e)} className="settings-form">
        {field('username', 'Player name', 'Written into a game the first time you play it.')}
        {field(
          'language',
          'Language',
          'The game language, e.g. english or german, also used on first play.',
        )}
        {field('games_dir', 'Games folder', gamesFolderHint(settings.free_bytes))}
        {/* Pico styles a hint that follows a fieldset as it does one that follows an input. */}
        <fieldset>
          <label>
            <input
              type="checkbox"
              name="encrypt_transfers"
              checked={encrypt}
              onChange={(e) => {
                setEncrypt(e.target.checked);
                setSaved(false);
              }}
              aria-invalid={errors.encrypt_transfers !== undefined ? true : undefined}
              aria-describedby="encrypt_transfers-help"
            />
            Encrypt game transfers
          </label>
        </fieldset>
        <small
          id="encrypt_transfers-help"
          className={errors.encrypt_transfers !== undefined ? 'failure' : ''}
        >
          {errors.encrypt_transfers ??
            'Slower. Every file is checked against its SHA-256 hash either way; encryption also keeps others on the network from reading them. Applies to downloads that start after saving.'}
        </small>
        <label>
          Downloads at once
          <input
            type="number"
            name="max_active_downloads"
            min={1}
            max={8}
            value={slots}
            onChange={(e) => {
              setSlots(Number(e.target.value));
              setSaved(false);
            }}
            aria-invalid={errors.max_active_downloads !== undefined ? true : undefined}
            aria-describedby="max_active_downloads-help"
          />
          <small
            id="max_active_downloads-help"
            className={errors.max_active_downloads !== undefined ? 'failure' : ''}
          >
            {errors.max_active_downloads ??
              'Further downloads wait in the queue, in order, and start as these finish (1 to 16).'}
          </small>
        </label>
        <button type="submit" disabled={busy} aria-busy={busy}>
          Save
        </button>
        {saved && (
          <p className="success-text" role="status">
            Saved.
          </p>
        )}
      </form>
      <LimitsForm />
      <PhoneLink />
    </section>
  );
}
