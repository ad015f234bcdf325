#!/usr/bin/env node
// The test run of `npm test`: the main pass in order (unit, integration, scenarios, browser,
// executables), and beside it the transfer scenarios again on the all-TLS path
// (`--encrypt-transfers`). The second pass overlaps the unit and integration tests, which time
// nothing, so the suite stays under 15 minutes on 2 cores; its report follows the main one.
import { spawn } from 'node:child_process';

const RUN_TESTS = new URL('./run-tests.mjs', import.meta.url).pathname;
const MAIN = ['test/unit', 'test/integration', 'test/scenarios', 'test/e2e', 'test/executables'];
const ENCRYPTED = [
  '--encrypt-transfers',
  'test/scenarios/s04-s13-single-source-download.test.ts',
  'test/scenarios/s14-s18-s19-multi-source.test.ts',
  'test/scenarios/s48-s49-resume-and-liar.test.ts',
  'test/scenarios/s20-s56-disk-full.test.ts',
  'test/scenarios/s46d-cancel-download.test.ts',
  'test/scenarios/s58-crash-recovery.test.ts',
  'test/scenarios/s59-update.test.ts',
  'test/scenarios/s66-catalog-digest.test.ts',
  'test/scenarios/s67-tampered-chunk.test.ts',
];

/** Runs run-tests.mjs with `args`; its output goes to ours, or is kept to print later. */
function run(args, keepOutput) {
  const child = spawn(process.execPath, [RUN_TESTS, ...args], {
    stdio: keepOutput ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  });
  const out = [];
  child.stdout?.on('data', (b) => out.push(b));
  child.stderr?.on('data', (b) => out.push(b));
  return new Promise((resolve) => {
    child.on('close', (code) => resolve({ code: code ?? 1, output: Buffer.concat(out) }));
  });
}

const encrypted = run(ENCRYPTED, true);
const main = await run(MAIN, false);
const second = await encrypted;
process.stdout.write('\n=== the transfer scenarios again with --encrypt-transfers ===\n');
process.stdout.write(second.output);
process.exit(main.code !== 0 ? main.code : second.code);
