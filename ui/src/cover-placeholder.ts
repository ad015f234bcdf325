/** What a game without cover art shows instead: its initials, on a hue drawn from its id. */
const SMALL_WORDS = new Set(['a', 'an', 'and', 'at', 'of', 'on', 'the']);

/** Up to two letters: the first of the name's first two words that count ("Counter-Strike: Source" → CS). */
export function initialsOf(name: string): string {
  const words = name
    .split(/[\s:\-–—_/]+/)
    .filter((w) => /^[\p{L}\p{N}]/u.test(w) && !SMALL_WORDS.has(w.toLowerCase()))
    // A sequel's numeral says less than the next word ("Quake III Arena" → QA).
    .filter((w, i) => i === 0 || !/^[IVX]+$/.test(w));
  const letters = words.slice(0, 2).map((w) => /^[\p{L}\p{N}]/u.exec(w)?.[0] ?? '');
  return letters.join('').toUpperCase() || '?';
}

/** A hue from the id (FNV-1a), so a game keeps its colour on every peer and every load. */
export function hueOf(id: string): number {
  let hash = 0x811c9dc5;
  for (const char of id) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 360;
}
