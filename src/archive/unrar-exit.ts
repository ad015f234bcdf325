/** How an unrar child ended, in our error vocabulary: its documented exit codes and spawn failures. */
import { LanspreadError, errorMessage } from '../errors.js';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the program could not be started at all. */
  readonly error: LanspreadError | null;
}

export function spawnFailure(unrarPath: string, err: unknown): LanspreadError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such program'
      : code === 'EACCES'
        ? 'not an executable program (permission denied)'
        : errorMessage(err);
  return new LanspreadError('archive-unreadable', `cannot run unrar at ${unrarPath}: ${why}`, {
    cause: err,
  });
}

/** unrar's documented exit codes, in our error vocabulary. */
export function exitFailure(
  label: string,
  unrarPath: string,
  exit: Exit,
  stderr: string,
): LanspreadError {
  const said = stderr.trim() === '' ? '' : `: ${stderr.trim().split('\n').slice(-3).join(' / ')}`;
  const { code } = exit;
  if (code === null) {
    return new LanspreadError(
      'archive-unreadable',
      `${label}: unrar (${unrarPath}) was killed by ${exit.signal ?? 'a signal'}${said}`,
    );
  }
  const fail = (errorCode: 'archive-unreadable' | 'archive-data-crc', why: string) =>
    new LanspreadError(errorCode, `${label}: unrar ${why} (exit code ${code})${said}`);
  switch (code) {
    case 1:
      return fail('archive-unreadable', 'reported a non-fatal error, such as a missing volume');
    case 2:
      return fail('archive-unreadable', 'reported a fatal error');
    case 3:
      return fail('archive-data-crc', 'found damaged data (a checksum error)');
    case 4:
      return fail('archive-unreadable', 'refused a locked archive');
    case 5:
      return fail('archive-unreadable', 'could not write its output');
    case 6:
      return fail('archive-unreadable', 'could not open a file of the archive');
    case 7:
      return fail(
        'archive-unreadable',
        `(${unrarPath}) rejected its command line: is it the official unrar?`,
      );
    case 8:
      return new LanspreadError(
        'archive-unsupported',
        `${label}: unrar has not enough memory for the archive (exit code 8)${said}`,
      );
    case 9:
      return fail('archive-unreadable', 'could not create a file');
    case 10:
      return fail('archive-unreadable', 'found no files to extract');
    case 11:
      return new LanspreadError(
        'archive-encrypted',
        `${label}: encrypted (made with a password; unrar exit code 11)${said}`,
      );
    case 255:
      return fail('archive-unreadable', 'was interrupted');
    default:
      return fail('archive-unreadable', 'failed');
  }
}
