import { AsyncLocalStorage } from 'node:async_hooks';
import type { YogaLogger } from 'graphql-yoga';
import { type Logger, pino } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

const requestScope = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `fn` as part of a request: every line logged meanwhile carries its `requestId`. */
export function inRequest<T>(requestId: string, fn: () => T): T {
  return requestScope.run({ requestId }, fn);
}

// We never log request bodies, variables or headers; these paths are the second line of defence for
// an object that gets logged by mistake (an error carrying its input, say).
const SECRET_KEYS = ['authorization', 'password', 'currentPassword', 'newPassword', 'newPasswordRepeat', 'token', 'sessionToken', 'variables'];
const REDACT = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.headers.${key}`]);

/** Where log lines go: a file descriptor (1 = stdout, the default; 2 = stderr) or a file (appended to). */
export type LogDestination = { fd: 1 | 2 } | { file: string };

/**
 * One JSON line per entry, at `logLevel` and above. To stdout or stderr the lines are written
 * asynchronously: while one write is under way the next lines gather and go in the next one, so a busy
 * server makes one write per batch instead of one per line (on this machine a synchronous write per
 * access line was ≈ 6 % of a request's CPU); pino flushes what is pending synchronously when the
 * process exits, `process.exit()` and a fatal error included. A file (the tests' logs) is written
 * synchronously, so that a test reads every line it caused.
 */
export function createLogger(options: { logLevel: LogLevel }, destination: LogDestination = { fd: 1 }): Logger {
  const stream = pino.destination({ dest: 'file' in destination ? destination.file : destination.fd, sync: 'file' in destination });
  const format = {
    level: options.logLevel,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  const logger = pino({ ...format, redact: { paths: REDACT, censor: '[redacted]' }, mixin: () => requestScope.getStore() ?? {} }, stream);
  // The access lines carry fields the request log itself picks (id, method, path, status, time,
  // operation name): nothing to redact, so they skip the redaction walk. Same stream, same format.
  accessLoggers.set(logger, pino(format, stream));
  return logger;
}

const accessLoggers = new WeakMap<Logger, Logger>();

/** The logger for access lines of `logger` (createLogger's own: no redaction); `logger` itself for any other. */
export function accessLogger(logger: Logger): Logger {
  return accessLoggers.get(logger) ?? logger;
}

/** yoga's logger (masked unexpected errors, aborted requests) writing through ours. */
export function yogaLogging(logger: Logger): YogaLogger {
  const write = (level: 'debug' | 'info' | 'warn' | 'error') => (first: unknown, ...rest: unknown[]) => {
    if (first instanceof Error) logger[level]({ err: first }, level === 'error' ? 'unexpected error' : first.message);
    else logger[level]({ details: rest.length ? rest : undefined }, String(first));
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
