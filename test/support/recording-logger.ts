/** A Logger that keeps every line in memory, so tests can assert what was logged. */
import type { LogFields, Logger } from '../../src/logger.js';

export interface LogLine {
  level: string;
  fields: LogFields;
  msg: string;
}

export function recordingLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const at =
    (level: string) =>
    (fields: LogFields, msg: string): void => {
      lines.push({ level, fields, msg });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => recordingLogger(lines),
  };
}
