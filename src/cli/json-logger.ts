import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { isLogLevel, LOG_CENSOR, LOG_LEVELS, LOG_REDACT_PATHS, type LogLevel, scrubSecrets } from '../log.js';
import { UsageError } from './error-line.js';

/** The environment variable read when `--log-level` is not given. */
export const LOG_LEVEL_ENV = 'LAMINAR_LOG_LEVEL';

let chosen: LogLevel | undefined;

/** Records `--log-level` for every JSON logger this process creates after it. */
export function chooseLogLevel(level: LogLevel | undefined): void {
  chosen = level;
}

/**
 * The level asked for: `--log-level`, else `LAMINAR_LOG_LEVEL`, else undefined (the command's
 * own default applies).
 * @throws UsageError (`ERR_USAGE`) when `LAMINAR_LOG_LEVEL` names no level.
 */
export function requestedLogLevel(): LogLevel | undefined {
  if (chosen !== undefined) return chosen;
  const env = process.env[LOG_LEVEL_ENV];
  if (env === undefined || env === '') return undefined;
  if (!isLogLevel(env)) {
    throw new UsageError(`${LOG_LEVEL_ENV}: unknown level '${env}' (one of ${LOG_LEVELS.join(', ')})`);
  }
  return env;
}

/** The options of the CLI's JSON logger at `level` (exported for tests and custom destinations). */
export function jsonLoggerOptions(level: LogLevel = 'info', name = 'laminar-redis'): LoggerOptions {
  return {
    name,
    level,
    redact: { paths: [...LOG_REDACT_PATHS], censor: LOG_CENSOR },
    hooks: { streamWrite: scrubSecrets },
  };
}

/**
 * The CLI's logger: JSON lines on stderr (stdout stays free for command output) at the requested
 * level, or at `fallback` when none was requested. Secret fields are redacted wherever they
 * appear, and credentials in URLs or `Bearer` tokens are hidden in any text.
 */
export function jsonLogger(
  fallback: LogLevel = 'info',
  destination: DestinationStream = pino.destination(2),
): Logger {
  return pino(jsonLoggerOptions(requestedLogLevel() ?? fallback), destination);
}
