import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger };

/** What a redacted secret shows in a log line. */
export const LOG_CENSOR = '********';

const SECRET_FIELDS = ['password', 'pass', 'token', 'accessToken', 'secret', 'authorization', 'auth'];

/**
 * Fields redacted in every logged object: the secret field names above at the top level and up
 * to three levels down (`password`, `config.password`, `profile.config.password`,
 * `headers.authorization`, `req.headers.authorization`, ...).
 */
export const LOG_REDACT_PATHS: readonly string[] = SECRET_FIELDS.flatMap((f) => [
  f,
  `*.${f}`,
  `*.*.${f}`,
  `*.*.*.${f}`,
]);

/** `scheme://user:password@` — keeps the user name, hides the password up to the last `@`. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s"/:@]*):[^\s"]*@/gi;
/**
 * `Bearer <token>` / `Basic <credentials>` anywhere in a line, e.g. inside a message — but not our
 * own wording ("missing bearer token (Authorization: Bearer <token>)").
 */
const AUTH_SCHEME = /\b(Bearer|Basic)\s+(?!(?:token|<[a-z]+>)(?:[\s)]|$))[^\s"',;]+/gi;

/**
 * Hides credentials in free text: passwords inside connection URLs and bearer/basic tokens.
 * Applied to every finished log line, so messages and nested strings are covered too.
 */
export function scrubSecrets(text: string): string {
  return text.replace(URL_USERINFO, `$1$2:${LOG_CENSOR}@`).replace(AUTH_SCHEME, `$1 ${LOG_CENSOR}`);
}

/** The logger options every laminar logger uses (exported for tests and custom destinations). */
export function loggerOptions(name = 'laminar-redis'): LoggerOptions {
  return {
    name,
    level: process.env.LAMINAR_LOG_LEVEL ?? 'info',
    redact: { paths: [...LOG_REDACT_PATHS], censor: LOG_CENSOR },
    hooks: { streamWrite: scrubSecrets },
  };
}

/**
 * The process logger: structured JSON on stderr (stdout stays free for command output). Secret
 * fields are redacted wherever they appear, and credentials in URLs or `Bearer` tokens are hidden
 * in any text; row contents are never logged by design.
 */
export function createLogger(name = 'laminar-redis'): Logger {
  return pino(loggerOptions(name), pino.destination(2));
}

let shared: Logger | undefined;

/** One logger per process, created on first use. */
export function defaultLogger(): Logger {
  shared ??= createLogger();
  return shared;
}
