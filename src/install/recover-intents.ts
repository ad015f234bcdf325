/** Startup recovery: every operation cut short (crash, power cut) is rolled forward or back from its intent. */
import { join } from 'node:path';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { flushRoot, journalPath, removeRetrying, uncommit } from '../transfer/index.js';
import { systemBootId } from './boot-id.js';
import type { Intent, IntentStore } from './intent-store.js';
import { exists, LOCAL_DIR, settleInstall, settleUninstall } from './install-transaction.js';
import { discardStaging, swapInStaging } from './root-swap.js';
import { removeIfEmpty } from './stream-install.js';

/**
 * Settles each recorded intent before the games folder is scanned, so no scan ever sees a half
 * state. An intent whose recovery fails is kept (and logged) for the next start.
 */
export async function recoverIntents(store: IntentStore, log: Logger): Promise<number> {
  const intents = await store.list(log);
  for (const intent of intents) {
    try {
      const outcome = await settle(intent, log);
      log.info(
        { game: intent.game, kind: intent.kind, root: intent.root, outcome },
        'startup recovery settled an interrupted operation',
      );
      await store.clear(intent.game);
    } catch (err) {
      log.error(
        { game: intent.game, kind: intent.kind, err: errorMessage(err) },
        'startup recovery failed; the intent is kept for the next start',
      );
    }
  }
  return intents.length;
}

async function settle(intent: Intent, log: Logger): Promise<string> {
  switch (intent.kind) {
    case 'download':
      // version.ini is renamed in last, after every byte is verified (its flush: `flush` below).
      return (await exists(join(intent.root, 'version.ini')))
        ? 'the download had committed'
        : 'the unfinished download stays as resume data, not Ready (no version.ini)';
    case 'install':
      return settleInstall(intent.root);
    case 'uninstall':
      return settleUninstall(intent.root);
    case 'stream-install': {
      const outcome = await settleInstall(intent.root);
      if (intent.created_root && !(await exists(join(intent.root, LOCAL_DIR)))) {
        await removeIfEmpty(intent.root);
        return `${outcome}; the root it had created removed`;
      }
      return outcome;
    }
    case 'update':
      if (intent.phase === 'swap') {
        await swapInStaging(intent);
        return `the new root (${intent.to}) is in place; the old one removed`;
      }
      return `the old root (${intent.from ?? 'no version'}) kept; staging ${await discardStaging(intent.staging)}`;
    case 'flush': {
      if (!(await exists(join(intent.root, 'version.ini'))))
        return 'the download had not committed (or its root is gone)';
      if (intent.boot !== null && intent.boot === (await systemBootId())) {
        // Only lanspread stopped: the system still holds every byte it was given.
        await flushRoot(intent.root, log);
        await removeRetrying(journalPath(intent.root));
        return 'the system kept the files: flushed now, the root stays Ready';
      }
      await uncommit(intent.root);
      return 'the system restarted before the files were all on the disk: the root is resume data again; its next download re-checks every chunk';
    }
    case 'remove-files': {
      await removeRetrying(intent.trash);
      return (await exists(intent.root)) ? 'the removal had not begun' : 'the root is removed';
    }
  }
}
