#!/usr/bin/env node
// The test run of `npm test`, in two lanes so the suite stays under 15 minutes on 2 cores.
// Lane one, in order: unit, integration, the scenarios. Lane two, beside it: the transfer
// scenarios again on the all-TLS path (`--encrypt-transfers`), then the scenarios that time
// nothing, taken out of lane one, the executables and the browser. Lane two's report follows
// lane one's.
import { readdirSync } from 'node:fs';
import { runChild } from './run-child.mjs';

const RUN_TESTS = new URL('./run-tests.mjs', import.meta.url).pathname;
const SCENARIOS = 'test/scenarios';
const ENCRYPTED = [
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
/** Scenarios without a time bound or a resource measurement: safe to run beside lane one. */
const BESIDE = [
  'test/scenarios/harness-pack.test.ts',
  'test/scenarios/cli-verbs.test.ts',
  'test/scenarios/s59b-download-keeps-old-version.test.ts',
  'test/scenarios/s65-link-escape.test.ts',
  'test/scenarios/s58-crash-recovery.test.ts',
  'test/scenarios/s59-update.test.ts',
  'test/scenarios/s67-data-connection.test.ts',
  'test/scenarios/s69-download-queue.test.ts',
  'test/scenarios/s02-direct-connect.test.ts',
  'test/scenarios/harness-bad-commands.test.ts',
  'test/scenarios/s15-s17-s36-version-skew.test.ts',
  'test/scenarios/s39-s40-s41-s42-s43-s44-s45-s46-s47-streamed-install.test.ts',
  'test/scenarios/s27-self-connect.test.ts',
  'test/scenarios/s30-mesh-aggregation.test.ts',
  'test/scenarios/s35-unknown-game.test.ts',
  'test/scenarios/s36-catalog-singleton.test.ts',
  'test/scenarios/s62-share-page.test.ts',
  'test/scenarios/s63-play-launch.test.ts',
  'test/scenarios/s46d-cancel-download.test.ts',
  'test/scenarios/s48-s49-resume-and-liar.test.ts',
  'test/scenarios/s52-busy-partial.test.ts',
];
const laneOneScenarios = readdirSync(SCENARIOS)
  .filter((name) => name.endsWith('.test.ts'))
  .map((name) => `${SCENARIOS}/${name}`)
  .filter((path) => !BESIDE.includes(path))
  .sort();

/** Runs run-tests.mjs with `args`; its output goes to ours, or is kept to print later. */
function run(args, keepOutput) {
  return runChild(process.execPath, [RUN_TESTS, ...args], keepOutput);
}

async function laneTwo() {
  const encrypted = await run(['--encrypt-transfers', ...ENCRYPTED], true);
  // The executables' scenarios (S61) and the browser's time nothing either, and lane one is the
  // longer.
  const beside = await run([...BESIDE, 'test/executables', 'test/e2e'], true);
  return [encrypted, beside];
}

const second = laneTwo();
const first = await run(['test/unit', 'test/integration', ...laneOneScenarios], false);
const [encrypted, beside] = await second;
process.stdout.write('\n=== the transfer scenarios again with --encrypt-transfers ===\n');
process.stdout.write(encrypted.output);
process.stdout.write('\n=== scenarios run beside the main pass ===\n');
process.stdout.write(beside.output);
process.exit([first, encrypted, beside].find((r) => r.code !== 0)?.code ?? 0);
