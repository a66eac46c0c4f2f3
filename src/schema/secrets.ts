/**
 * `{{ VAR }}` references in connection profiles. The model keeps them as written; only the
 * process that connects resolves them, from its own environment, and the resolved strings go
 * straight to the client, never back into the model, a log line or an error message.
 */

import { ConfigError } from '../resp/errors.js';
import { parseRedisUrl } from '../resp/url.js';
import type { ConnectionProfile, RedisConnection } from './connection-profile.js';
import { MissingSecretError, SinkConfigError } from './errors.js';
import { redactTls, resolveTls, type TlsProfile } from './tls-profile.js';

/** `{{ NAME }}` with optional spaces inside the braces; NAME is an environment variable name. */
const REFERENCE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const WHOLE_REFERENCE = /^\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}$/;

/** What `redactProfile` shows instead of a password. */
export const REDACTED = '***';

/** True when the string contains at least one `{{ VAR }}` reference. */
export function hasSecretReference(value: string): boolean {
  REFERENCE.lastIndex = 0;
  return REFERENCE.test(value);
}

/** The variable names referenced by a string, in order of appearance. */
export function secretReferences(value: string): string[] {
  return Array.from(value.matchAll(REFERENCE), (m) => m[1]);
}

/**
 * True when `{{` or `}}` is left over after removing every well-formed reference: a typo such as
 * `{{ REDIS-PASSWORD }}` or `{{ X }` would otherwise be sent to Redis as a literal password.
 */
export function hasMalformedReference(value: string): boolean {
  const rest = value.replace(REFERENCE, '');
  return rest.includes('{{') || rest.includes('}}');
}

/** A connection profile whose secrets are resolved: hand it to the client, never store or log it. */
export interface ResolvedProfile {
  name: string;
  connection: RedisConnection;
  username?: string;
  password?: string;
  tls?: TlsProfile;
}

/**
 * Resolves every `{{ VAR }}` in the profile's address(es), username and password (and a Sentinel
 * connection's master name and credentials) from `env`.
 *
 * @throws MissingSecretError naming the first variable that is not set (and the profile).
 * @throws SinkConfigError when a resolved address is not a Redis URL (the address is not echoed).
 */
export function resolveSecrets(
  profile: ConnectionProfile,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolvedProfile {
  const resolve = (value: string, option: string): string =>
    value.replace(REFERENCE, (_, variable: string) => {
      const v = env[variable];
      if (v === undefined) throw new MissingSecretError(profile.name, option, variable);
      return v;
    });
  const address = (value: string, option: string): string => {
    const resolved = resolve(value, option);
    if (resolved !== value) checkResolvedAddress(profile.name, option, resolved);
    return resolved;
  };
  const c = profile.connection;
  let connection: RedisConnection;
  if (c.kind === 'standalone') {
    connection = { kind: 'standalone', address: address(c.address, 'connection.address') };
  } else if (c.kind === 'cluster') {
    connection = {
      kind: 'cluster',
      addresses: c.addresses.map((a, i) => address(a, `connection.addresses[${i}]`)),
    };
  } else {
    connection = {
      kind: 'sentinel',
      sentinels: c.sentinels.map((a, i) => address(a, `connection.sentinels[${i}]`)),
      masterName: resolve(c.masterName, 'connection.masterName'),
    };
    if (c.sentinelUsername !== undefined) {
      connection.sentinelUsername = resolve(c.sentinelUsername, 'connection.sentinelUsername');
    }
    if (c.sentinelPassword !== undefined) {
      connection.sentinelPassword = resolve(c.sentinelPassword, 'connection.sentinelPassword');
    }
  }
  const out: ResolvedProfile = { name: profile.name, connection };
  if (profile.username !== undefined) out.username = resolve(profile.username, 'username');
  if (profile.password !== undefined) out.password = resolve(profile.password, 'password');
  if (profile.tls !== undefined) out.tls = resolveTls(profile.tls, resolve);
  return out;
}

function checkResolvedAddress(profile: string, option: string, address: string): void {
  try {
    parseRedisUrl(address);
  } catch (e) {
    // parseRedisUrl's messages never echo the URL, which may now hold a resolved password.
    const reason = e instanceof ConfigError ? e.message : 'invalid Redis URL';
    throw new SinkConfigError(`resolves to an invalid Redis URL: ${reason}`, { profile, option });
  }
}

/**
 * A copy safe for logs and API responses: the password (and a Sentinel password) becomes `***`
 * unless it is exactly one `{{ VAR }}` reference (which says where the secret lives, not what it
 * is), and so does a password written inline in an address URL (`redis://user:***@host`).
 * Usernames are shown.
 */
export function redactProfile(profile: ConnectionProfile): ConnectionProfile {
  const c = profile.connection;
  let connection: RedisConnection;
  if (c.kind === 'standalone') connection = { kind: 'standalone', address: redactAddress(c.address) };
  else if (c.kind === 'cluster') connection = { kind: 'cluster', addresses: c.addresses.map(redactAddress) };
  else {
    connection = { kind: 'sentinel', sentinels: c.sentinels.map(redactAddress), masterName: c.masterName };
    if (c.sentinelUsername !== undefined) connection.sentinelUsername = c.sentinelUsername;
    if (c.sentinelPassword !== undefined) connection.sentinelPassword = redactSecret(c.sentinelPassword);
  }
  const out: ConnectionProfile = { name: profile.name, connection };
  if (profile.username !== undefined) out.username = profile.username;
  if (profile.password !== undefined) out.password = redactSecret(profile.password);
  if (profile.tls !== undefined) out.tls = redactTls(profile.tls, redactSecret);
  return out;
}

/** `***` unless the value is exactly one `{{ VAR }}` reference. */
export function redactSecret(value: string): string {
  return WHOLE_REFERENCE.test(value) ? value : REDACTED;
}

/**
 * Replaces the password part of `scheme://user:password@host` with `***` (a whole `{{ VAR }}`
 * password is kept). Works on the text rather than through `URL`, so that unresolved references
 * and malformed addresses are redacted too; the last `@` ends the user info, because a password
 * written without percent-encoding may itself hold `@`, `/` or `#`.
 */
export function redactAddress(address: string): string {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(address);
  const start = scheme === null ? 0 : scheme[0].length;
  const at = address.lastIndexOf('@');
  if (at < start) return address;
  const userinfo = address.slice(start, at);
  const colon = userinfo.indexOf(':');
  // A user name alone (`redis://user@host`) holds no secret.
  if (colon === -1) return address;
  return `${address.slice(0, start)}${userinfo.slice(0, colon)}:${redactSecret(userinfo.slice(colon + 1))}${address.slice(at)}`;
}
