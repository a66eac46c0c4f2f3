/**
 * Logging of laminar-redis. The library logs nothing unless it is given a logger (the convention
 * of fastify and ioredis): every factory that can log takes a `logger` option and otherwise uses
 * {@link SILENT_LOGGER}. The CLI gives its own JSON logger (`src/cli/json-logger.ts`).
 *
 * This module loads no logging package, so the light entries stay light.
 */

/**
 * One logging method, pino's argument order: a fields object then a message, or a message alone.
 * Any `(...args: unknown[]) => void` (such as `console.warn`) fits too.
 */
export interface LogFn {
  (msg: string): void;
  (fields: object, msg?: string): void;
}

/**
 * What laminar-redis logs to. A pino (or bunyan-like) logger fits as it is, and so does `console`
 * or any object with these four methods.
 *
 * Fields objects hold names, ids, addresses without credentials, counts and errors (under
 * `err`); the library never puts connection passwords, tokens or row contents in them.
 */
export interface LaminarLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /**
   * A logger whose lines all carry `bindings` (pino's `child`). Optional: without it, the
   * library merges the bindings into each fields object itself.
   */
  child?(bindings: Record<string, unknown>): LaminarLogger;
}

/** The name library code uses for {@link LaminarLogger}. */
export type Logger = LaminarLogger;

const noop = (): void => {};

/** The default of every library factory: drops everything. */
export const SILENT_LOGGER: LaminarLogger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => SILENT_LOGGER,
});

/**
 * A logger adding `bindings` to every line of `logger`: its own `child()` when it has one,
 * otherwise a wrapper that merges them into the fields object (a line's own fields win).
 */
export function childLogger(logger: LaminarLogger, bindings: Record<string, unknown>): LaminarLogger {
  if (logger === SILENT_LOGGER) return logger;
  if (typeof logger.child === 'function') return logger.child(bindings);
  const bind =
    (fn: LogFn): LogFn =>
    (a: string | object, msg?: string) =>
      typeof a === 'string' ? fn({ ...bindings }, a) : fn({ ...bindings, ...a }, msg);
  return {
    debug: bind(logger.debug.bind(logger)),
    info: bind(logger.info.bind(logger)),
    warn: bind(logger.warn.bind(logger)),
    error: bind(logger.error.bind(logger)),
    child: (more) => childLogger(logger, { ...bindings, ...more }),
  };
}

/** The levels of the CLI's `--log-level` and `LAMINAR_LOG_LEVEL`, quietest first (pino's). */
export const LOG_LEVELS = ['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Whether `level` is one of {@link LOG_LEVELS}. */
export function isLogLevel(level: unknown): level is LogLevel {
  return typeof level === 'string' && (LOG_LEVELS as readonly string[]).includes(level);
}

/** What a redacted secret shows in a log line. */
export const LOG_CENSOR = '********';

const SECRET_FIELDS = ['password', 'pass', 'token', 'accessToken', 'secret', 'authorization', 'auth'];

/**
 * Fields redacted in every object the CLI logs: the secret field names above at the top level
 * and up to three levels down (`password`, `config.password`, `profile.config.password`,
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
 * A PEM private key (`-----BEGIN EC PRIVATE KEY-----` ... its END line), raw or with its newlines
 * escaped inside a JSON line: a TLS key written inline. One cut short ends at the end of its JSON
 * string (a quote) or of the text.
 */
const PEM_PRIVATE_KEY =
  /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|(?=")|$)/g;

/**
 * Hides credentials in free text: passwords inside connection URLs, bearer/basic tokens and PEM
 * private keys. The CLI applies it to every finished log line, so messages and nested strings are
 * covered too.
 */
export function scrubSecrets(text: string): string {
  return text
    .replace(URL_USERINFO, `$1$2:${LOG_CENSOR}@`)
    .replace(AUTH_SCHEME, `$1 ${LOG_CENSOR}`)
    .replace(PEM_PRIVATE_KEY, LOG_CENSOR);
}
