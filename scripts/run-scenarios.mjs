#!/usr/bin/env node
// `npm run scenarios -- S1 S3 S58-UPDATE`: runs the named scenarios (all when none named) against
// dist/. A bare number also runs its variants (S18 runs S18 and S18-SLOW).
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const dir = 'test/scenarios';
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.test.ts'))
  .sort();
const wanted = process.argv.slice(2).map((a) => a.toUpperCase());
// A file names the scenarios it proves: s03-…, s15-s17-…; match any S-number in its name.
const numbersOf = (file) => [...file.matchAll(/s(\d+)/gi)].map((m) => `S${Number(m[1])}`);
const baseOf = (id) => /^S\d+/.exec(id)?.[0].replace(/^S0*(\d)/, 'S$1') ?? id;
const bases = wanted.map(baseOf);
const chosen =
  wanted.length === 0 ? files : files.filter((f) => numbersOf(f).some((n) => bases.includes(n)));
if (chosen.length === 0) {
  console.error(
    `run-scenarios: no scenario file matches ${wanted.join(' ')}; have: ${files.join(', ')}`,
  );
  process.exit(1);
}
const pattern = wanted.length === 0 ? [] : [`--test-name-pattern=^(${wanted.join('|')})[ -]`];
const res = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    ...pattern,
    ...chosen.map((f) => `${dir}/${f}`),
  ],
  { stdio: 'inherit' },
);
process.exit(res.status ?? 1);
