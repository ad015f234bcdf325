/** The hint under the games folder setting: what it is for, and its free space when the server knows it. */
import { formatBytes } from '../../src/human-units.js';

export function gamesFolderHint(freeBytes: number | null): string {
  const free = freeBytes === null ? 'Free space unknown.' : `${formatBytes(freeBytes)} free.`;
  return `Where games are downloaded and installed. ${free}`;
}
