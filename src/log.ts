import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * The process logger: structured JSON on stderr (stdout stays free for command output). Secret
 * fields are redacted wherever they appear; row contents are never logged by design.
 */
export function createLogger(name = 'laminar-redis'): Logger {
  return pino(
    {
      name,
      level: process.env.LAMINAR_LOG_LEVEL ?? 'info',
      redact: {
        paths: [
          'password',
          '*.password',
          '*.*.password',
          'token',
          '*.token',
          'authorization',
          '*.authorization',
        ],
        censor: '***',
      },
    },
    pino.destination(2),
  );
}

let shared: Logger | undefined;

/** One logger per process, created on first use. */
export function defaultLogger(): Logger {
  shared ??= createLogger();
  return shared;
}
