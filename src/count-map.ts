/** Counts by key in a Map, a key dropped when its count is back at zero so the map stays small. */
export function addCount<K>(counts: Map<K, number>, key: K, delta: number): void {
  const left = (counts.get(key) ?? 0) + delta;
  if (left === 0) counts.delete(key);
  else counts.set(key, left);
}
