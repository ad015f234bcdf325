/** Installing games from their archives, the first-play launch settings, and the launch scripts. */
export { installGame, uninstallGame } from './install-transaction.js';
export type { ExtractResult } from './extract-archives.js';
export { applyLaunchSettings, type LaunchSettingsResult } from './launch-settings.js';
export {
  findLaunchScript,
  hasSetupRun,
  markSetupDone,
  planLaunch,
  scriptName,
  type LaunchPlan,
  type LaunchRequest,
  type LaunchRole,
} from './launch-scripts.js';
export { spawnLaunch, type LaunchExit, type LaunchedProcess } from './launch-process.js';
export { streamInstallGame, type StreamInstallEvent } from './stream-install.js';
export { IntentStore, type Intent, type OperationIntent } from './intent-store.js';
export { recoverIntents } from './recover-intents.js';
export { systemBootId } from './boot-id.js';
export {
  discardStaging,
  removeGameFiles,
  swapInStaging,
  trashPath,
  updatePaths,
  type UpdatePaths,
} from './root-swap.js';
