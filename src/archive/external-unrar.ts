/** The optional provider that runs the official `unrar` binary (`--unrar PATH`) and streams what it prints. */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { LanspreadError } from '../errors.js';
import type { ArchiveProvider, EntrySink } from './entry-sink.js';
import { exitFailure, spawnFailure, type Exit } from './unrar-exit.js';

/**
 * Switches for every run: `-p-` never asks for a password and `-y` answers any other question,
 * since nobody can type into the child; `-cfg-` ignores `.rarrc` and the RAR environment
 * variable, whose switches could change what is listed or printed.
 */
const COMMON_SWITCHES = ['-p-', '-y', '-cfg-'];
/**
 * `lt` is the technical listing (one `Name:`/`Type:`/`Size:` block per entry); `-v` makes unrar
 * list every volume of a set, not just the first; `-c-` hides the archive comment, whose text
 * could otherwise pass for entry lines.
 */
const LIST_ARGS = ['lt', '-v', '-c-', ...COMMON_SWITCHES];
/** `p` prints the data of every regular file, in archive order; `-inul` keeps messages out of it. */
const PRINT_ARGS = ['p', '-inul', ...COMMON_SWITCHES];
/** How much of unrar's stderr is kept for error messages. */
const STDERR_KEEP = 2000;
/**
 * On POSIX the child leads its own process group, so one kill also ends anything it started
 * (a wrapper script's helpers) that could otherwise hold the output pipe open.
 */
const GROUP_KILL = process.platform !== 'win32';

/** Win32's MAX_PATH: the longest path the plain (not `\\?\`) file calls of a Windows program open. */
const WINDOWS_MAX_PATH = 260;

/**
 * The archive path as unrar is given it. Node prefixes long paths with `\\?\` inside its own
 * fs calls (`toNamespacedPath`), but a child gets the string as it is, and a Windows program
 * that opens it with the plain calls stops at MAX_PATH: a long one goes over with the prefix,
 * which the wide (`W`) file calls of Windows accept.
 */
export function archiveArgument(
  archive: string,
  platform: NodeJS.Platform = process.platform,
): string {
  return platform === 'win32' && archive.length >= WINDOWS_MAX_PATH
    ? path.win32.toNamespacedPath(archive)
    : archive;
}

/** A regular file as unrar lists it: the data of `p` is these files' bytes back to back. */
interface ListedFile {
  readonly name: string;
  readonly size: number;
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new LanspreadError('cancelled', 'cancelled');
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortError(signal);
}

/** One unrar child: its stdout to read, its stderr's tail, and an exit that never rejects. */
class UnrarRun {
  readonly #child: ChildProcessByStdio<null, Readable, Readable>;
  readonly exited: Promise<Exit>;
  #stderr = '';

  constructor(unrarPath: string, args: readonly string[]) {
    this.#child = spawn(unrarPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: GROUP_KILL,
      windowsHide: true,
      // Names are printed in the locale's charset; UTF-8 keeps them equal to the headers' names.
      env: { ...process.env, LC_ALL: 'C.UTF-8' },
    });
    this.#child.stderr.setEncoding('utf8');
    this.#child.stderr.on('data', (text: string) => {
      this.#stderr = (this.#stderr + text).slice(-STDERR_KEEP);
    });
    this.exited = new Promise((resolve) => {
      // A spawn failure emits 'error' and no 'exit'; the stream is failed too, so a reader stops.
      this.#child.on('error', (err) => {
        const failure = spawnFailure(unrarPath, err);
        this.#child.stdout.destroy(failure);
        resolve({ code: null, signal: null, error: failure });
      });
      // 'close', not 'exit': it comes once stderr is read to its end too, for the message.
      this.#child.on('close', (code, signal) => {
        resolve({ code, signal, error: null });
      });
    });
  }

  get stdout(): AsyncIterable<Buffer> {
    return this.#child.stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Fails the reader with `reason` (so it stops even while nothing arrives) and kills the child. */
  stop(reason?: Error): void {
    this.#child.stdout.destroy(reason);
    this.#child.stderr.destroy();
    const child = this.#child;
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      if (GROUP_KILL) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      // Already gone between the check and the kill.
      child.kill('SIGKILL');
    }
  }
}

/**
 * Runs unrar with `consume` reading its stdout, and returns how it exited. On an abort the child
 * is killed and `consume` fails with the signal's reason; on every path the child is reaped.
 */
async function runUnrar(
  unrarPath: string,
  args: readonly string[],
  signal: AbortSignal,
  consume: (stdout: AsyncIterable<Buffer>) => Promise<void>,
): Promise<{ exit: Exit; stderr: string }> {
  throwIfAborted(signal);
  const run = new UnrarRun(unrarPath, args);
  const onAbort = (): void => {
    run.stop(abortError(signal));
  };
  signal.addEventListener('abort', onAbort);
  try {
    await consume(run.stdout);
    const exit = await run.exited;
    // A kill for an abort ends the output like a normal exit would; report the abort.
    throwIfAborted(signal);
    if (exit.error !== null) throw exit.error;
    return { exit, stderr: run.stderr };
  } finally {
    signal.removeEventListener('abort', onAbort);
    run.stop();
    await run.exited;
  }
}

/** Splits a byte stream into lines, decoding UTF-8 across chunk boundaries. */
async function* lines(stream: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream) {
    rest += decoder.write(chunk);
    const parts = rest.split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) yield line.replace(/\r$/, '');
  }
  rest += decoder.end();
  if (rest !== '') yield rest.replace(/\r$/, '');
}

/** The fields of one `lt` entry block that decide whether, and how much, `p` prints for it. */
interface Block {
  name: string;
  type: string | null;
  size: string | null;
  ratio: string | null;
}

// Each field is `%12ls: %ls`: the label right-aligned in 12 columns, so indented by spaces.
const FIELD = /^ *(Name|Type|Size|Ratio): (.*)$/;

/**
 * Reads the technical listing of unrar 5.0 to 7.x (`lt`): a `Details: RAR 4|5…` line per volume,
 * then per entry a block starting `        Name: <name>`, with `Type: File` for a regular file
 * (else `Directory`, `Unix symbolic link`, `Hard link`, `File reference`…), `Size: <bytes>`, and
 * `Ratio:` which is `<--` or `<->` for the part of a file continued from a previous volume.
 */
async function listFiles(
  unrarPath: string,
  archive: string,
  signal: AbortSignal,
): Promise<ListedFile[]> {
  const files: ListedFile[] = [];
  // Written inside the reader callback, so kept in an object that is re-read after it.
  const seen = { details: false };
  let block: Block | null = null;
  const flush = (): void => {
    if (block === null) return;
    const { name, type, size, ratio } = block;
    block = null;
    if (type === null) {
      throw new LanspreadError(
        'archive-unreadable',
        `${archive}: ${name}: the unrar at ${unrarPath} lists no Type for entries (unrar 5.0 or later is needed)`,
      );
    }
    // Only regular files have data in `p`'s output, and a file split over volumes only once.
    if (type !== 'File' || ratio === '<--' || ratio === '<->') return;
    if (size === null || !/^\d+$/.test(size)) {
      throw new LanspreadError(
        'archive-unsupported',
        `${archive}: ${name}: unrar does not know the size (${size ?? 'none'})`,
      );
    }
    files.push({ name, size: Number(size) });
  };
  const { exit, stderr } = await runUnrar(
    unrarPath,
    [...LIST_ARGS, '--', archiveArgument(archive)],
    signal,
    async (stdout) => {
      for await (const line of lines(stdout)) {
        if (line.startsWith('Details: ')) {
          seen.details = true;
          continue;
        }
        const field = FIELD.exec(line);
        if (field === null) continue;
        const [, key, value = ''] = field;
        if (key === 'Name') {
          flush();
          block = { name: value, type: null, size: null, ratio: null };
        } else if (block !== null) {
          if (key === 'Type') block.type = value;
          else if (key === 'Size') block.size = value;
          else block.ratio = value;
        }
      }
      flush();
    },
  );
  if (exit.code !== 0) throw exitFailure(archive, unrarPath, exit, stderr);
  if (!seen.details) {
    throw new LanspreadError(
      'archive-unreadable',
      `${archive}: the program at ${unrarPath} did not list it as a RAR archive (is it the official unrar?)`,
    );
  }
  return files;
}

/**
 * Cuts `p`'s output into the listed files by their sizes and hands each to the sink, except the
 * names in `skip`, whose bytes are read and dropped. Each sink call is awaited before the next
 * chunk is read, and an unread stream pauses the child: that is the backpressure.
 * Returns how many files were complete.
 */
async function deliver(
  stdout: AsyncIterable<Buffer>,
  files: readonly ListedFile[],
  skip: ReadonlySet<string>,
  sink: EntrySink,
  archive: string,
): Promise<number> {
  // Shared by the helpers below and the read loop.
  const at = { index: 0, left: 0, open: false, wanted: false };
  const endFile = async (): Promise<void> => {
    if (at.wanted) await sink.endFile();
    at.open = false;
    at.index++;
  };
  // Begins files until one still expects bytes; an empty file begins and ends at once.
  const beginFiles = async (): Promise<void> => {
    for (let file = files[at.index]; !at.open && file !== undefined; file = files[at.index]) {
      at.wanted = !skip.has(file.name);
      if (at.wanted) await sink.beginFile(file.name);
      at.open = true;
      at.left = file.size;
      if (at.left === 0) await endFile();
    }
  };
  await beginFiles();
  for await (const chunk of stdout) {
    for (let offset = 0; offset < chunk.length;) {
      if (!at.open) {
        throw new LanspreadError(
          'archive-data-crc',
          `${archive}: unrar printed more bytes than the sizes of the listed files`,
        );
      }
      const take = Math.min(at.left, chunk.length - offset);
      if (at.wanted) await sink.write(chunk.subarray(offset, offset + take));
      offset += take;
      at.left -= take;
      if (at.left === 0) {
        await endFile();
        await beginFiles();
      }
    }
  }
  return at.index;
}

/**
 * Lists the archive with `unrar lt`, then prints all its files with one `unrar p` and cuts the
 * stream by the listed sizes. One `p` for the whole archive, not one per file: a file of a solid
 * archive can only be unpacked after all before it, and unrar reads names as wildcard masks.
 */
async function extract(
  unrarPath: string,
  firstVolume: string,
  skip: ReadonlySet<string>,
  sink: EntrySink,
  signal: AbortSignal,
): Promise<void> {
  const files = await listFiles(unrarPath, firstVolume, signal);
  // unrar fails `p` with "no files to extract" on an archive of folders and links only.
  if (files.length === 0) return;
  let complete = 0;
  const { exit, stderr } = await runUnrar(
    unrarPath,
    [...PRINT_ARGS, '--', archiveArgument(firstVolume)],
    signal,
    async (stdout) => {
      complete = await deliver(stdout, files, skip, sink, firstVolume);
    },
  );
  if (exit.code !== 0) throw exitFailure(firstVolume, unrarPath, exit, stderr);
  if (complete < files.length) {
    throw new LanspreadError(
      'archive-data-crc',
      `${firstVolume}: unrar printed ${complete} of the ${files.length} listed files in full`,
    );
  }
}

/** The provider that runs the official unrar at `unrarPath` (a path, or a name looked up in PATH). */
export function externalUnrar(unrarPath: string): ArchiveProvider {
  return {
    name: 'external',
    storedBypass: false,
    extract: (firstVolume, skip, sink, signal) =>
      extract(unrarPath, firstVolume, skip, sink, signal),
  };
}
