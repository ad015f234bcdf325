/** Whether one absolute path lies in another, by the rules of the system it runs on. */
import path from 'node:path';

/** `child` is `parent` itself or somewhere below it. */
export function isSameOrInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
