/** Runs the library rescan one at a time, so two rescans never interleave their advert diffs. */

/**
 * Wraps `task` so calls never overlap: a call while a run is in progress queues one more run,
 * and every call made before that queued run starts shares it (and its outcome). A failed run
 * does not stop the next.
 */
export function serialCoalesced(task: () => Promise<void>): () => Promise<void> {
  let tail: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  return () => {
    if (queued === undefined) {
      const run = tail.then(() => {
        // From here on a new call needs a run of its own: this one may already have read too early.
        queued = undefined;
        return task();
      });
      queued = run;
      tail = run.catch(() => undefined);
    }
    return queued;
  };
}
