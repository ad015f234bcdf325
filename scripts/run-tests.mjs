#!/usr/bin/env node
// Node 20's `--test` does not expand globs, so collect *.test.ts files under the given folders
// (a file given by name is taken as it is). `--encrypt-transfers` runs the scenarios' peers with
// that option (LANSPREAD_TEST_ENCRYPT_TRANSFERS=1, test/scenarios/harness/peer-process.ts).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir) {
  if (!statSync(dir).isDirectory()) return [dir];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const ENCRYPT = '--encrypt-transfers';
const args = process.argv.slice(2).filter((a) => a !== ENCRYPT);
const encrypt = process.argv.includes(ENCRYPT);
const dirs = args.filter((a) => !a.startsWith('--'));
const files = dirs.flatMap(collect);
if (files.length === 0) {
  console.error('run-tests: no test files found under', dirs.join(' '));
  process.exit(1);
}
const res = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    ...args.filter((a) => a.startsWith('--')),
    ...files,
  ],
  {
    stdio: 'inherit',
    env: encrypt ? { ...process.env, LANSPREAD_TEST_ENCRYPT_TRANSFERS: '1' } : process.env,
  },
);
process.exit(res.status ?? 1);
