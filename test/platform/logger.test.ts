import {
  DEFAULT_LOG_LEVEL,
  chooseLogFormat,
  parseLogLevel,
  prettyDestination,
} from '../../src/platform/logger.js';
import { captureLogs } from '../support/log-capture.js';

describe('LOG_LEVEL', () => {
  it('defaults to info when unset or empty', () => {
    expect(DEFAULT_LOG_LEVEL).toBe('info');
    expect(parseLogLevel(undefined)).toBe('info');
    expect(parseLogLevel('')).toBe('info');
  });

  it('accepts each pino level', () => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      expect(parseLogLevel(level)).toBe(level);
  });

  it('refuses anything else, naming the levels', () => {
    expect(() => parseLogLevel('verbose')).toThrow(
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "verbose"',
    );
    expect(() => parseLogLevel('INFO')).toThrow(/LOG_LEVEL must be one of/);
  });
});

describe('log format', () => {
  it('is pretty only in dev mode with stdout on a terminal', () => {
    expect(chooseLogFormat({ dev: true, tty: true })).toBe('pretty');
    expect(chooseLogFormat({ dev: true, tty: false })).toBe('json');
    expect(chooseLogFormat({ dev: false, tty: true })).toBe('json');
    expect(chooseLogFormat({ dev: false, tty: false })).toBe('json');
  });

  it('loads pino-pretty when it is installed', async () => {
    const stream = await prettyDestination();
    expect(stream).toBeDefined();
    expect(typeof stream!.write).toBe('function');
  });
});

describe('createLogger', () => {
  it('writes one JSON line per call with the fields operators parse', () => {
    const { logger, lines } = captureLogs();
    logger.info({ store: 'memory' }, 'mandate listening');
    expect(lines()).toEqual([
      {
        level: 30,
        time: expect.any(Number) as number,
        pid: process.pid,
        hostname: expect.any(String) as string,
        name: 'mandate',
        store: 'memory',
        msg: 'mandate listening',
      },
    ]);
  });

  it('bounds every value of every line, of children too, and the message', () => {
    const { logger, raw } = captureLogs();
    const long = 'L'.repeat(10_000);
    logger.child({ audit: true }).info({ field: long, list: [long], deep: { x: long } }, long);
    expect(raw).toHaveLength(1);
    expect(raw[0]).not.toMatch(/L{257}/);
    expect(raw[0]!.split('…[cut 9761 chars]')).toHaveLength(5); // field, list item, deep, msg
  });

  it('bounds an error message and the messages in its stack, keeping the frames', () => {
    const { logger, lines } = captureLogs();
    logger.error({ err: new Error(`bad input ${'E'.repeat(10_000)}`) }, 'unhandled error');
    const err = lines()[0]!.err as { message: string; stack: string; type: string };
    expect(err.type).toBe('Error');
    expect(err.message).toHaveLength(256);
    expect(err.stack).not.toMatch(/E{257}/);
    expect(err.stack).toMatch(/\n\s+at /);
  });

  it('still redacts tokens', () => {
    const { logger, raw } = captureLogs();
    logger.info({ subject_token: 'eyJsecret', nested: { access_token: 'eyJother' } }, 'x');
    expect(raw[0]).not.toContain('eyJ');
    expect(raw[0]).toContain('[redacted]');
  });
});
