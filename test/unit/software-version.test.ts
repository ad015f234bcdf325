import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { isSoftwareVersion } from '../../src/ids.js';
import { softwareVersion } from '../../src/software-version.js';

test("the release peers tell each other is package.json's version, and one a hello may carry", async () => {
  const pkg = JSON.parse(
    await readFile(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as {
    version: string;
  };
  assert.equal(softwareVersion(), pkg.version);
  assert.ok(isSoftwareVersion(softwareVersion()));
});
