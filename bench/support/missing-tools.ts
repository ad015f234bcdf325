/** Which of a bench's outside tools are not on PATH. */
import { spawnSync } from 'node:child_process';

/** The names of `tools` that do not run; each is asked its version (`[name, flag]`). */
export function missingTools(tools: readonly (readonly [string, string])[]): string[] {
  return tools
    .filter(([tool, flag]) => spawnSync(tool, [flag], { stdio: 'ignore' }).error !== undefined)
    .map(([tool]) => tool);
}
