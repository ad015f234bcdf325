/**
 * S61 (Linux): the core scenarios with every peer run as release/lanspread-linux-x64 in an empty
 * environment (no node on PATH, no HOME), as a guest with nothing installed runs it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const EXE = fileURLToPath(new URL('../../release/lanspread-linux-x64', import.meta.url));
const RUNNER = fileURLToPath(new URL('../../scripts/run-scenarios.mjs', import.meta.url));
const CORE = ['S1', 'S3', 'S5', 'S14', 'S38', 'S39', 'S63'];

test(
  'S61 the Linux executable with an empty environment passes the core scenarios',
  { timeout: 300_000 },
  () => {
    assert.ok(existsSync(EXE), `${EXE} is missing: run \`npm run dist\` first`);
    const version = spawnSync(EXE, ['--version'], { env: {}, encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    const env: NodeJS.ProcessEnv = { ...process.env, LANSPREAD_EXE: EXE };
    // Without it the nested runner reports as a runner of its own, not into ours.
    delete env.NODE_TEST_CONTEXT;
    const run = spawnSync(process.execPath, [RUNNER, ...CORE], {
      env,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const passed = run.stdout.split('\n').filter((line) => line.startsWith('PASS '));
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    for (const id of CORE) {
      assert.ok(
        passed.some((line) => line.startsWith(`PASS ${id} `)),
        `${id} did not pass:\n${run.stdout}`,
      );
    }
    console.log(
      `PASS S61 Linux executable (env -i) — ${passed.map((l) => l.split(' — ')[0]).join('; ')}`,
    );
  },
);
