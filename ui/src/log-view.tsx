/** The last log records of this peer, newest last, refetched on demand. */
import { useCallback, useEffect, useState } from 'react';
import { ApiFailure, api } from './api-client.js';
import { errorSentence } from './error-sentences.js';

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

function logLine(record: Record<string, unknown>): { time: string; level: string; text: string } {
  const { time, level, msg } = record;
  // pid and hostname are the same on every line of one peer.
  const rest = Object.fromEntries(
    Object.entries(record).filter(
      ([key]) => !['time', 'level', 'msg', 'pid', 'hostname'].includes(key),
    ),
  );
  const when = typeof time === 'number' ? new Date(time).toLocaleTimeString() : '';
  const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  return {
    time: when,
    level: typeof level === 'number' ? (LEVELS[level] ?? String(level)) : '',
    text: `${typeof msg === 'string' ? msg : ''}${extra}`,
  };
}

export function LogView() {
  const [lines, setLines] = useState<Record<string, unknown>[]>();
  const [error, setError] = useState<string>();
  const load = useCallback(() => {
    api
      .log(200)
      .then((answer) => {
        setLines(answer.lines);
        setError(undefined);
      })
      .catch((err: unknown) => {
        const failure =
          err instanceof ApiFailure
            ? err
            : new ApiFailure({ code: 'internal', message: String(err) });
        setError(errorSentence(failure.code, failure.message));
      });
  }, []);
  useEffect(load, [load]);

  return (
    <section aria-labelledby="view-title">
      <h2 id="view-title">Log</h2>
      <button type="button" className="secondary" onClick={load}>
        Refresh
      </button>
      {error !== undefined && <p className="failure">{error}</p>}
      {lines === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <pre className="log-lines">
          {lines.map((record, i) => {
            const line = logLine(record);
            return (
              <div key={i} className={`log-${line.level}`}>
                {line.time} {line.level.padEnd(5)} {line.text}
              </div>
            );
          })}
        </pre>
      )}
    </section>
  );
}
