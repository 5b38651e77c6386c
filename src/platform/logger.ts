import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import { boundForLog, boundStack, boundString } from './bound-for-log.js';

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

/** The levels `LOG_LEVEL` accepts, most severe first; `silent` logs nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The level when `LOG_LEVEL` is unset. */
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

/**
 * Reads a `LOG_LEVEL` value: unset or empty is {@link DEFAULT_LOG_LEVEL}; anything else must
 * name a level, so a typo fails at start instead of silently logging at some other level.
 *
 * @example
 * parseLogLevel(process.env.LOG_LEVEL); // 'info' when unset
 */
export function parseLogLevel(value: string | undefined): LogLevel {
  if (value === undefined || value === '') return DEFAULT_LOG_LEVEL;
  const level = LOG_LEVELS.find((l) => l === value);
  if (level === undefined)
    throw new Error(
      `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(boundString(value, 40))}`,
    );
  return level;
}

/**
 * The error serializer: pino's, with the message, any extra members and each message inside the
 * stack bounded; every frame is kept.
 */
function serializeError(err: unknown): unknown {
  const out = stdSerializers.err(err as Error) as unknown;
  if (out === err || typeof out !== 'object' || out === null) return err;
  const { stack, ...rest } = out as Record<string, unknown>;
  return {
    ...boundForLog(rest),
    ...(typeof stack === 'string' ? { stack: boundStack(stack, err) } : {}),
  };
}

/**
 * The process logger: JSON lines (pino) on stdout, or on `destination`; secrets redacted;
 * every string and array of every line bounded (platform/bound-for-log.ts), whoever logs it.
 *
 * @example
 * const logger = createLogger({ level: parseLogLevel(process.env.LOG_LEVEL) });
 */
export function createLogger(
  options: { level?: LogLevel; destination?: DestinationStream } = {},
): Logger {
  return pino(
    {
      name: 'mandate',
      level: options.level ?? DEFAULT_LOG_LEVEL,
      redact: { paths: REDACT, censor: '[redacted]' },
      serializers: { err: serializeError },
      hooks: {
        // Every call of every level, on this logger and its children: the one place lines are
        // bounded, so a field added tomorrow cannot forget it.
        logMethod(args, method) {
          const bounded = args.map((arg: unknown) => boundForLog(arg));
          method.apply(this, bounded as Parameters<typeof method>);
        },
      },
    },
    options.destination,
  );
}

/** How log lines are written: `json` lines, or `pretty` text for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/**
 * Pretty only for dev mode with stdout on a terminal: production, and anything piped to a
 * collector, gets the JSON lines it parses.
 */
export function chooseLogFormat(where: { dev: boolean; tty: boolean }): LogFormat {
  return where.dev && where.tty ? 'pretty' : 'json';
}

/**
 * A pino-pretty stream to stdout, loaded only when asked for: it is a dev dependency, so an
 * install without dev dependencies never loads it. Undefined when it is not installed.
 */
export async function prettyDestination(): Promise<DestinationStream | undefined> {
  try {
    const { default: pretty } = await import('pino-pretty');
    return pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  } catch {
    return undefined;
  }
}
