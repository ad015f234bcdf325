/**
 * Text from elsewhere (a remote peer's name, an error message quoting a remote path) made safe
 * to print on a terminal: nothing in it can move the cursor, recolour, retitle or reorder the
 * screen, or hide what follows.
 */

/**
 * C0 controls (ESC among them) and DEL; C1 controls (U+009B is a one-character CSI on many
 * terminals); the line and paragraph separators; and the bidi marks, embeddings, overrides and
 * isolates that make text read in another order than it is stored ("Trojan Source").
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- control characters are what it looks for
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `text` without the characters a terminal would act on instead of showing. */
export function terminalText(text: string): string {
  return text.replace(UNSAFE, '');
}

/**
 * `value` as one line of JSON whose strings keep every character, the unsafe ones written as
 * `\uXXXX` escapes: the same JSON to a parser, inert on a terminal. (JSON.stringify escapes C0
 * controls itself, but leaves C1 and bidi characters raw.)
 */
export function terminalJson(value: object): string {
  return JSON.stringify(value).replace(
    UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * A name a remote peer gave itself, as we keep and show it: the unsafe characters dropped and
 * the ends trimmed; `fallback` (its short id) when nothing printable is left.
 */
export function remoteName(name: string, fallback: string): string {
  const shown = terminalText(name).trim();
  return shown === '' ? fallback : shown;
}
