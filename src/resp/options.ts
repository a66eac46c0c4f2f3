import { DEFAULT_MAX_AGGREGATE_LENGTH, MAX_AGGREGATE_LENGTH } from './decoder.js';
import { ConfigError } from './errors.js';
import { type NormalizedTls, parseTlsOptions, type TlsOptions } from './tls.js';
import { parseRedisUrl } from './url.js';

/** Reconnect policy: exponential backoff with full jitter, one attempt at a time. */
export interface ReconnectOptions {
  /** First delay, ms. Default {@link DEFAULT_RECONNECT_INITIAL_DELAY}. */
  initialDelay?: number;
  /** Cap of the delay, ms. Default {@link DEFAULT_RECONNECT_MAX_DELAY}. */
  maxDelay?: number;
  /** Attempts before giving up and closing the client. Default: unlimited. */
  maxAttempts?: number;
}

/** Options of {@link createClient}. Every field is optional; defaults are the `DEFAULT_*` constants. */
export interface ClientOptions {
  /** Host name or IP. Default `127.0.0.1`. */
  host?: string;
  /** TCP port. Default 6379. */
  port?: number;
  /** ACL user name. Without it, `password` authenticates the `default` user. */
  username?: string;
  /** Password; never logged, never part of an error message. */
  password?: string;
  /** Database selected after connecting. Default 0. */
  db?: number;
  /** RESP version: 3 (default; falls back to 2 on servers without HELLO) or 2 (forced). */
  protocol?: 2 | 3;
  /** Connection name sent with HELLO SETNAME / CLIENT SETNAME. */
  name?: string;
  /**
   * `true` for TLS verified against Node's trust store, or {@link TlsOptions}: `ca`, `cert`, `key`
   * (PEM text or file paths), `serverName`, `minVersion`, `insecure`, and any Node TLS option. An
   * object turns TLS on whatever the URL's scheme; `false` turns it off.
   */
  tls?: boolean | TlsOptions;
  /** Connect (and handshake) timeout, ms. Default {@link DEFAULT_CONNECT_TIMEOUT}. */
  connectTimeout?: number;
  /**
   * Longest a command (or pipeline) waits for its reply, ms, counted from when it is queued on the
   * connection (and, before that, separately for its wait in the offline queue); it then rejects
   * with TimeoutError. 0 or null disables. Default {@link DEFAULT_COMMAND_TIMEOUT}.
   */
  commandTimeout?: number | null;
  /** TCP keepalive initial delay, ms, or false. Default {@link DEFAULT_KEEPALIVE}. */
  keepAlive?: number | false;
  /** Disable Nagle's algorithm. Default true. */
  noDelay?: boolean;
  /** Reconnect policy, or false to close the client on the first disconnect. */
  reconnect?: ReconnectOptions | false;
  /** Commands kept while (re)connecting; beyond, OfflineQueueFullError. 0 fails fast. Default {@link DEFAULT_MAX_OFFLINE_COMMANDS}. */
  maxOfflineCommands?: number;
  /** Bulk strings as Buffer instead of UTF-8 strings. Default false. */
  returnBuffers?: boolean;
  /** Encoded bytes that trigger a flush before the end of the tick. Default {@link DEFAULT_FLUSH_BYTES}. */
  flushBytes?: number;
  /**
   * Buffer arguments of at least this many bytes are handed to the socket by reference, never
   * copied; smaller ones are copied into the write arena (cheaper than an extra writev entry).
   * 0 passes every Buffer by reference. Default {@link DEFAULT_ZERO_COPY_BYTES}.
   */
  zeroCopyBytes?: number;
  /** Largest bulk string accepted from the server, bytes. Default 512 MiB. */
  maxBulkLength?: number;
  /**
   * Largest argument sent, bytes: a command with a longer one rejects with ArgumentTooLargeError
   * before anything is sent. Match the server's `proto-max-bulk-len`. Default
   * {@link DEFAULT_MAX_ARGUMENT_LENGTH}.
   */
  maxArgumentLength?: number;
  /** Deepest reply nesting accepted from the server. Default 64. */
  maxDepth?: number;
  /**
   * Most elements of one array, set or push (entries of one map) accepted from the server; beyond
   * it the connection fails with ProtocolError. Default {@link DEFAULT_MAX_AGGREGATE_LENGTH}, at
   * most {@link MAX_AGGREGATE_LENGTH}.
   */
  maxAggregateLength?: number;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 6379;
export const DEFAULT_CONNECT_TIMEOUT = 10_000;
/**
 * 30 s: far beyond any healthy write batch or lookup, short enough that a stopped server or a reply
 * cut off halfway fails the command instead of holding it (and a sink's in-flight window) forever.
 */
export const DEFAULT_COMMAND_TIMEOUT = 30_000;
export const DEFAULT_KEEPALIVE = 5_000;
export const DEFAULT_RECONNECT_INITIAL_DELAY = 50;
export const DEFAULT_RECONNECT_MAX_DELAY = 2_000;
export const DEFAULT_MAX_OFFLINE_COMMANDS = 100_000;
export const DEFAULT_FLUSH_BYTES = 1024 * 1024;
export const DEFAULT_MAX_BULK_LENGTH = 512 * 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 64;
export { DEFAULT_MAX_AGGREGATE_LENGTH, MAX_AGGREGATE_LENGTH };
export const DEFAULT_ZERO_COPY_BYTES = 16 * 1024;
/** 512 MiB: Redis' default `proto-max-bulk-len`, beyond which it drops the connection. */
export const DEFAULT_MAX_ARGUMENT_LENGTH = 512 * 1024 * 1024;

/** Options after validation, with every default applied. */
export interface NormalizedClientOptions {
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  db: number;
  protocol: 2 | 3;
  name: string | undefined;
  tls: NormalizedTls | undefined;
  connectTimeout: number;
  commandTimeout: number;
  keepAlive: number | false;
  noDelay: boolean;
  reconnect: Required<ReconnectOptions> | false;
  maxOfflineCommands: number;
  returnBuffers: boolean;
  flushBytes: number;
  zeroCopyBytes: number;
  maxBulkLength: number;
  maxArgumentLength: number;
  maxDepth: number;
  maxAggregateLength: number;
}

const KNOWN = new Set<string>([
  'host',
  'port',
  'username',
  'password',
  'db',
  'protocol',
  'name',
  'tls',
  'connectTimeout',
  'commandTimeout',
  'keepAlive',
  'noDelay',
  'reconnect',
  'maxOfflineCommands',
  'returnBuffers',
  'flushBytes',
  'zeroCopyBytes',
  'maxBulkLength',
  'maxArgumentLength',
  'maxDepth',
  'maxAggregateLength',
]);

/**
 * Validates client options up front and applies defaults. A URL (`redis://`, `rediss://`) gives the
 * base; explicit options override it. Errors name the option and never echo a password.
 */
export function parseClientOptions(
  urlOrOptions: string | ClientOptions | undefined,
  overrides?: ClientOptions,
): NormalizedClientOptions {
  const base = typeof urlOrOptions === 'string' ? parseRedisUrl(urlOrOptions) : { ...urlOrOptions };
  const o: ClientOptions = { ...base, ...stripUndefined(overrides ?? {}) };
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) throw new ConfigError(`unknown client option '${key}'`, key);
  }
  const reconnect =
    o.reconnect === false
      ? false
      : {
          initialDelay: nonNegative(
            o.reconnect?.initialDelay,
            'reconnect.initialDelay',
            DEFAULT_RECONNECT_INITIAL_DELAY,
          ),
          maxDelay: nonNegative(o.reconnect?.maxDelay, 'reconnect.maxDelay', DEFAULT_RECONNECT_MAX_DELAY),
          maxAttempts: positiveOrInfinity(o.reconnect?.maxAttempts, 'reconnect.maxAttempts'),
        };
  if (o.protocol !== undefined && o.protocol !== 2 && o.protocol !== 3) {
    throw new ConfigError(`option 'protocol' must be 2 or 3`, 'protocol');
  }
  const port = o.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new ConfigError(`option 'port' must be an integer in 1..65535`, 'port');
  }
  const db = o.db ?? 0;
  if (!Number.isInteger(db) || db < 0)
    throw new ConfigError(`option 'db' must be a non-negative integer`, 'db');
  for (const key of ['username', 'password', 'name', 'host'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'string') {
      throw new ConfigError(`option '${key}' must be a string`, key);
    }
  }
  if (o.keepAlive !== undefined && o.keepAlive !== false) nonNegative(o.keepAlive, 'keepAlive', 0);
  return {
    host: o.host ?? DEFAULT_HOST,
    port,
    username: o.username || undefined,
    password: o.password,
    db,
    protocol: o.protocol ?? 3,
    name: o.name,
    tls:
      o.tls === true
        ? parseTlsOptions({})
        : o.tls === false || o.tls === undefined
          ? undefined
          : parseTlsOptions(o.tls),
    connectTimeout: nonNegative(o.connectTimeout, 'connectTimeout', DEFAULT_CONNECT_TIMEOUT),
    commandTimeout:
      o.commandTimeout === null
        ? 0
        : nonNegative(o.commandTimeout, 'commandTimeout', DEFAULT_COMMAND_TIMEOUT),
    keepAlive: o.keepAlive ?? DEFAULT_KEEPALIVE,
    noDelay: o.noDelay ?? true,
    reconnect,
    maxOfflineCommands: nonNegative(o.maxOfflineCommands, 'maxOfflineCommands', DEFAULT_MAX_OFFLINE_COMMANDS),
    returnBuffers: o.returnBuffers ?? false,
    flushBytes: nonNegative(o.flushBytes, 'flushBytes', DEFAULT_FLUSH_BYTES),
    zeroCopyBytes: nonNegative(o.zeroCopyBytes, 'zeroCopyBytes', DEFAULT_ZERO_COPY_BYTES),
    maxBulkLength: nonNegative(o.maxBulkLength, 'maxBulkLength', DEFAULT_MAX_BULK_LENGTH),
    maxArgumentLength: integerIn(
      o.maxArgumentLength,
      'maxArgumentLength',
      1,
      Number.MAX_SAFE_INTEGER,
      DEFAULT_MAX_ARGUMENT_LENGTH,
    ),
    maxDepth: nonNegative(o.maxDepth, 'maxDepth', DEFAULT_MAX_DEPTH),
    maxAggregateLength: integerIn(
      o.maxAggregateLength,
      'maxAggregateLength',
      1,
      MAX_AGGREGATE_LENGTH,
      DEFAULT_MAX_AGGREGATE_LENGTH,
    ),
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function nonNegative(v: unknown, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new ConfigError(`option '${name}' must be a non-negative number`, name);
  }
  return v;
}

function integerIn(v: unknown, name: string, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`option '${name}' must be an integer in ${min}..${max}`, name);
  }
  return v;
}

function positiveOrInfinity(v: unknown, name: string): number {
  if (v === undefined) return Number.POSITIVE_INFINITY;
  if (typeof v !== 'number' || !(v > 0))
    throw new ConfigError(`option '${name}' must be a positive number`, name);
  return v;
}
