import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

interface LockEntry {
  dev?: boolean;
  hasInstallScript?: boolean;
}

/** Every package a user's `npm install lanspread` brings: package-lock entries not marked dev. */
function runtimePackages(): string[] {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && entry.dev !== true)
    .map(([path, entry]) => {
      assert.notEqual(entry.hasInstallScript, true, `${path} runs an install script`);
      return path;
    });
}

function nativeFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && (e.name === 'binding.gyp' || e.name.endsWith('.node')))
    .map((e) => join(e.parentPath, e.name));
}

test('no runtime dependency is a native addon or runs an install script (installing needs no compiler)', () => {
  const packages = runtimePackages();
  assert.ok(packages.includes('node_modules/sql.js'), 'the catalog reader is among them');
  for (const path of packages) {
    const dir = join(REPO, path);
    assert.ok(existsSync(dir), `${path} is not installed: npm ci`);
    assert.deepEqual(nativeFiles(dir), [], `${path} ships native code`);
  }
});
