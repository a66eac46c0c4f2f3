import { ConfigError } from '../errors.js';
import { type ClientOptions, parseClientOptions } from '../options.js';
import { parseRedisUrl } from '../url.js';

/**
 * Options of {@link createSentinel}. The primary's connection takes every {@link ClientOptions}
 * field too (`username`/`password` are the data credentials, `tls` the primary's TLS).
 */
export interface SentinelOptions extends Omit<ClientOptions, 'host' | 'port' | 'reconnect'> {
  /** Sentinels: `redis://host:port`, `rediss://host:port` or `host:port`. At least one. */
  sentinels: string[];
  /** The name the Sentinels monitor the primary under (`sentinel monitor <name> ...`). */
  masterName: string;
  /** ACL user on the Sentinels, when they require one. Default: none. */
  sentinelUsername?: string;
  /** Password on the Sentinels (`requirepass` of sentinel.conf); never logged. Default: none. */
  sentinelPassword?: string;
  /**
   * TLS towards the Sentinels: `true`, or the same options as the client's `tls`. Default: TLS
   * when a Sentinel URL is `rediss://`.
   */
  sentinelTls?: ClientOptions['tls'];
  /**
   * Longest a command waits for a usable primary after the current one was lost or demoted, ms;
   * it then rejects with `ERR_SENTINEL_NO_PRIMARY`. Default {@link DEFAULT_SENTINEL_FAILOVER_TIMEOUT}.
   */
  failoverTimeout?: number;
  /** Connect and reply timeout of one question to one Sentinel, ms. Default {@link DEFAULT_SENTINEL_TIMEOUT}. */
  sentinelTimeout?: number;
  /**
   * `'primary'` (default): every command goes to the primary. `'replica'`: commands go to a
   * replica the Sentinels list as healthy (the primary when none is), for readers that can take
   * data a little behind the primary's; a write there is refused with `READONLY`.
   */
  readFrom?: 'primary' | 'replica';
}

/**
 * 60 s: Sentinel's own default `down-after-milliseconds` is 30 s, and the election, promotion and
 * announcement come on top of it; a shorter bound would fail writes during an ordinary failover.
 */
export const DEFAULT_SENTINEL_FAILOVER_TIMEOUT = 60_000;
/** 2 s: a Sentinel that takes longer is treated as down and the next one is asked. */
export const DEFAULT_SENTINEL_TIMEOUT = 2_000;

/** A Sentinel's address, without credentials. */
export interface SentinelAddress {
  host: string;
  port: number;
}

/** {@link SentinelOptions} checked, with defaults applied. */
export interface NormalizedSentinelOptions {
  sentinels: SentinelAddress[];
  masterName: string;
  /** Options of a Sentinel connection, without host and port. */
  sentinel: ClientOptions;
  /** Options of the primary's connection, without host and port. */
  data: ClientOptions;
  failoverTimeout: number;
  readFrom: 'primary' | 'replica';
}

const DEFAULT_SENTINEL_PORT = 26379;

/**
 * Validates Sentinel options up front, so errors name the option before any connection; errors
 * never echo an address, which may hold a password.
 */
export function parseSentinelOptions(options: SentinelOptions): NormalizedSentinelOptions {
  const {
    sentinels,
    masterName,
    sentinelUsername,
    sentinelPassword,
    sentinelTls,
    failoverTimeout,
    sentinelTimeout,
    readFrom,
    ...data
  } = options;
  if (readFrom !== undefined && readFrom !== 'primary' && readFrom !== 'replica') {
    throw new ConfigError(`option 'readFrom' must be 'primary' or 'replica'`, 'readFrom');
  }
  if (!Array.isArray(sentinels) || sentinels.length === 0) {
    throw new ConfigError(`option 'sentinels' must list at least one Sentinel`, 'sentinels');
  }
  if (typeof masterName !== 'string' || masterName === '') {
    throw new ConfigError(`option 'masterName' must be a non-empty string`, 'masterName');
  }
  let tls = sentinelTls;
  let username = sentinelUsername;
  let password = sentinelPassword;
  const addresses = sentinels.map((a) => {
    const s = parseSentinelAddress(a);
    if (s.tls) tls ??= true;
    username ??= s.username;
    password ??= s.password;
    return { host: s.host, port: s.port };
  });
  const timeout = positive(sentinelTimeout, 'sentinelTimeout', DEFAULT_SENTINEL_TIMEOUT);
  const sentinel: ClientOptions = {
    username,
    password,
    tls,
    connectTimeout: timeout,
    commandTimeout: timeout,
    reconnect: false,
  };
  const primary: ClientOptions = { ...data, reconnect: false };
  // Checked once here so that a bad option fails createSentinel, not the first failover.
  parseClientOptions({ ...sentinel, ...addresses[0] });
  parseClientOptions({ ...primary, ...addresses[0] });
  return {
    sentinels: addresses,
    masterName,
    sentinel,
    data: primary,
    failoverTimeout: positive(failoverTimeout, 'failoverTimeout', DEFAULT_SENTINEL_FAILOVER_TIMEOUT),
    readFrom: readFrom ?? 'primary',
  };
}

function parseSentinelAddress(
  a: string,
): SentinelAddress & { tls: boolean; username?: string; password?: string } {
  if (typeof a !== 'string' || a === '') {
    throw new ConfigError(`option 'sentinels' holds an empty address`, 'sentinels');
  }
  if (a.includes('://')) {
    const o = parseRedisUrl(a);
    return {
      host: o.host ?? '127.0.0.1',
      port: o.port ?? DEFAULT_SENTINEL_PORT,
      tls: o.tls === true,
      username: o.username,
      password: o.password,
    };
  }
  // `[::1]:26379` or `host:26379`; a bare IPv6 address (`::1`) has more than one colon and no port.
  const m =
    /^\[([^\]]+)\](?::(\d+))?$/.exec(a) ??
    (a.split(':').length > 2 ? [a, a, undefined] : /^([^:]+)(?::(\d+))?$/.exec(a));
  if (m === null || m[1] === '') {
    throw new ConfigError(`a Sentinel address is not host:port`, 'sentinels');
  }
  return { host: m[1], port: m[2] === undefined ? DEFAULT_SENTINEL_PORT : Number(m[2]), tls: false };
}

function positive(v: number | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !(v > 0)) {
    throw new ConfigError(`option '${name}' must be a positive number`, name);
  }
  return v;
}
