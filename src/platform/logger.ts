import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Paths that must never reach a log line, whatever a caller passes in. */
const REDACT = [
  'subject_token',
  '*.subject_token',
  'access_token',
  '*.access_token',
  'token',
  '*.token',
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
];

/** The process logger: JSON lines on stdout, secrets redacted. */
export function createLogger(options: { level?: string } = {}): Logger {
  return pino({
    name: 'mandate',
    level: options.level ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
  });
}
