/** This build's lanspread release: package.json's version, which the executables embed too. */
import { readFileSync } from 'node:fs';
import { embeddedAsset } from './embedded-assets.js';
import { isSoftwareVersion, type SoftwareVersion } from './ids.js';

let cached: SoftwareVersion | undefined;

/** What `lanspread --version` prints and the hello and the beacon tell other peers. */
export function softwareVersion(): SoftwareVersion {
  cached ??= readSoftwareVersion();
  return cached;
}

function readSoftwareVersion(): SoftwareVersion {
  const embedded = embeddedAsset('package.json');
  const pkg: unknown = JSON.parse(
    embedded !== undefined
      ? Buffer.from(embedded).toString('utf8')
      : readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  );
  const version = typeof pkg === 'object' && pkg !== null && 'version' in pkg ? pkg.version : null;
  // Peers refuse a hello whose version they cannot show; package.json's never is one.
  if (!isSoftwareVersion(version))
    throw new Error(`package.json's version ${String(version)} is not a release version`);
  return version;
}
