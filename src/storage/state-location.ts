/**
 * What `--state` names: a local directory, or a Redis state store as a URL,
 *
 *   redis://[user:password@]host:port[/db][?store=<name>]     (rediss:// for TLS)
 *
 * `store` names the store inside that Redis (default `default`), so several deployments can
 * share one Redis. The URL may hold `{{ VAR }}` references (the password, typically), resolved
 * from the environment of each process that connects and never stored resolved (a user name or
 * password as it is: it is percent-encoded into the URL). A Redis Cluster
 * is recognised by asking the server (`INFO cluster`); give the address of any of its masters.
 */
import { redactAddress } from '../schema/secrets.js';
import { STORE_NAME } from './redis-state-keys.js';
import { StateStoreError } from './state-errors.js';

/** Default store name inside a Redis. */
export const DEFAULT_STORE_NAME = 'default';

export type StateLocation =
  | { kind: 'local'; dir: string }
  | {
      kind: 'redis';
      /** The URL without `store`, as given (references unresolved; may hold a password). */
      url: string;
      /** The store's name. */
      name: string;
      /** The URL for logs and messages: password redacted. */
      shown: string;
    };

const REFERENCE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * Reads a `--state` value. Anything without `://` is a directory; `redis://` and `rediss://` are
 * Redis stores; any other scheme is refused (`ERR_STATE_URL`, the value not echoed).
 */
export function parseStateLocation(value: string): StateLocation {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value);
  if (scheme === null) return { kind: 'local', dir: value };
  const s = scheme[1].toLowerCase();
  if (s !== 'redis' && s !== 'rediss') {
    throw new StateStoreError(
      'ERR_STATE_URL',
      `unsupported --state scheme '${s}:' (expected a directory, redis:// or rediss://)`,
    );
  }
  // The query is split by hand: the rest may hold unresolved references URL() would mangle.
  const q = value.indexOf('?');
  let name = DEFAULT_STORE_NAME;
  let url = value;
  if (q !== -1) {
    const rest: string[] = [];
    for (const pair of value.slice(q + 1).split('&')) {
      if (pair.startsWith('store=')) name = decodeURIComponent(pair.slice('store='.length));
      else if (pair !== '') rest.push(pair);
    }
    url = rest.length === 0 ? value.slice(0, q) : `${value.slice(0, q)}?${rest.join('&')}`;
  }
  if (!STORE_NAME.test(name)) {
    throw new StateStoreError(
      'ERR_STATE_URL',
      'the --state parameter store= takes 1 to 64 letters, digits, `_`, `.` or `-`',
    );
  }
  return { kind: 'redis', url, name, shown: `${redactAddress(url)} (store ${name})` };
}

/** The URL with its `{{ VAR }}` references resolved from `env`. */
export function resolveStateUrl(
  url: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const at = url.lastIndexOf('@');
  return url.replace(REFERENCE, (_, variable: string, offset: number) => {
    const v = env[variable];
    if (v === undefined) {
      throw new StateStoreError('ERR_STATE_URL', `--state names the variable ${variable}, which is not set`);
    }
    // A user name or password is percent-encoded in a URL; the variable holds it as it is.
    return offset < at ? encodeURIComponent(v) : v;
  });
}
