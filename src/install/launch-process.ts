/** Starts a launch plan as a detached process and reports when it ends. */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { LanspreadError, errorMessage } from '../errors.js';
import type { LaunchPlan } from './launch-scripts.js';

export interface LaunchExit {
  code: number | null;
  signal: string | null;
}

export interface LaunchedProcess {
  pid: number;
  exited: Promise<LaunchExit>;
}

/**
 * Resolves once the process runs; a spawn failure is `launch-failed`. Detached in its own process
 * group with no pipes to us, and unref'd: the game keeps running when lanspread stops, and
 * lanspread may stop while it runs. Its exit is still seen as long as we live.
 */
export function spawnLaunch(plan: LaunchPlan): Promise<LaunchedProcess> {
  const name = basename(plan.script);
  return new Promise((resolve, reject) => {
    const child = spawn(plan.file, plan.args, {
      cwd: plan.cwd,
      detached: true,
      stdio: 'ignore',
      windowsVerbatimArguments: plan.windowsVerbatimArguments,
    });
    const exited = new Promise<LaunchExit>((done) => {
      child.once('exit', (code, signal) => {
        done({ code, signal });
      });
    });
    child.once('error', (err) => {
      reject(new LanspreadError('launch-failed', `cannot start ${name}: ${errorMessage(err)}`));
    });
    child.once('spawn', () => {
      child.unref();
      // A process that spawned has a pid; the fallback only satisfies the type.
      resolve({ pid: child.pid ?? 0, exited });
    });
  });
}
