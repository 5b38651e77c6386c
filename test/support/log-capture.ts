import { Writable } from 'node:stream';
import { createLogger, type Logger, type LogLevel } from '../../src/platform/logger.js';

/** The lines a logger wrote: raw, as they would reach stdout, and parsed. */
export interface LogCapture {
  readonly logger: Logger;
  /** Each line exactly as written, without its newline. */
  readonly raw: string[];
  /** Each line parsed. */
  lines(): Record<string, unknown>[];
}

/**
 * The broker's own logger (redaction, bounds, serializers) writing into memory instead of
 * stdout, so a test reads the lines an operator would.
 */
export function captureLogs(level: LogLevel = 'info'): LogCapture {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return {
    logger: createLogger({ level, destination }),
    raw,
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
