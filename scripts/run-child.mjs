// One child process for the test scripts: its output goes to ours, or is kept to print later
// (a lane that runs beside another must not interleave its report with the other's).
import { spawn } from 'node:child_process';

/** Runs `command args`; resolves with its exit code and, when `keepOutput`, what it printed. */
export function runChild(command, args, keepOutput) {
  const child = spawn(command, args, {
    stdio: keepOutput ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  });
  const out = [];
  child.stdout?.on('data', (b) => out.push(b));
  child.stderr?.on('data', (b) => out.push(b));
  return new Promise((resolve) => {
    child.on('close', (code) => resolve({ code: code ?? 1, output: Buffer.concat(out) }));
  });
}
