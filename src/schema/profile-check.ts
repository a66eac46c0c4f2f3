/**
 * Validation of a connection profile and of the `connector` option, shared by sink tables and
 * lookup tables (each front door reshapes its input into a {@link ProfileDraft} first).
 */

import { ConfigError } from '../resp/errors.js';
import { parseRedisUrl } from '../resp/url.js';
import type { ConnectionProfile, RedisConnection, SentinelConnection } from './connection-profile.js';
import type { Reporter } from './reporter.js';
import { hasSecretReference } from './secrets.js';
import { checkTls, TLS_SQL_OPTIONS, type TlsDraft, type TlsField } from './tls-profile.js';

/** The fields a profile check reports on, under their canonical (model) names. */
export type ProfileField =
  | 'name'
  | 'connector'
  | 'address'
  | 'addresses'
  | 'username'
  | 'password'
  | 'sentinels'
  | 'masterName'
  | 'sentinelUsername'
  | 'sentinelPassword'
  | TlsField;

/** SQL `WITH` option of each profile field, as every Redis table (sink, lookup, source) spells it. */
export const PROFILE_SQL_OPTIONS: Readonly<Record<ProfileField, string>> = {
  name: 'table name',
  connector: 'connector',
  address: 'address',
  addresses: 'cluster.addresses',
  username: 'username',
  password: 'password',
  sentinels: 'sentinel.addresses',
  masterName: 'sentinel.master',
  sentinelUsername: 'sentinel.username',
  sentinelPassword: 'sentinel.password',
  ...TLS_SQL_OPTIONS,
};

/** `connector` must be `redis` (case-insensitive) and is required. */
export function checkConnector(r: Reporter<ProfileField>, value: unknown): void {
  if (value === undefined) r.fail('connector', "is required ('redis')");
  if (typeof value !== 'string' || value.toLowerCase() !== 'redis') {
    r.fail('connector', `must be 'redis' (${r.got('connector', value)})`);
  }
}

/** The name of a table or profile: a non-empty string. */
export function checkName(r: Reporter<ProfileField>, value: unknown): string {
  return r.string('name', value, { required: true })!;
}

/** Profile fields before validation; `address`/`addresses`/`sentinels` as written in the door. */
export interface ProfileDraft {
  name: string;
  address?: unknown;
  addresses?: unknown;
  username?: unknown;
  password?: unknown;
  /** A Sentinel connection: the Sentinels' addresses, the master name, the Sentinels' login. */
  sentinels?: unknown;
  masterName?: unknown;
  sentinelUsername?: unknown;
  sentinelPassword?: unknown;
  /** The `tls` block's fields, as the door read them. */
  tls?: TlsDraft;
}

export function checkProfile(r: Reporter<ProfileField>, draft: ProfileDraft): ConnectionProfile {
  const hasOne = draft.address !== undefined;
  const hasMany = draft.addresses !== undefined;
  const hasSentinel = draft.sentinels !== undefined || draft.masterName !== undefined;
  if (hasOne && hasMany) {
    r.fail(
      'addresses',
      `cannot be combined with '${r.door.option('address')}': give one address or cluster addresses`,
    );
  }
  if (hasSentinel && (hasOne || hasMany)) {
    r.fail(
      draft.sentinels !== undefined ? 'sentinels' : 'masterName',
      `cannot be combined with '${r.door.option(hasOne ? 'address' : 'addresses')}': a Sentinel connection finds the primary itself`,
    );
  }
  if (!hasSentinel) {
    for (const f of ['sentinelUsername', 'sentinelPassword'] as const) {
      if (draft[f] !== undefined) {
        r.fail(
          f,
          `applies to a Sentinel connection only (give '${r.door.option('sentinels')}' and '${r.door.option('masterName')}')`,
        );
      }
    }
  }
  let connection: RedisConnection;
  if (hasSentinel) {
    connection = checkSentinel(r, draft);
  } else if (hasOne) {
    connection = { kind: 'standalone', address: checkAddress(r, 'address', draft.address) };
  } else if (hasMany) {
    if (!Array.isArray(draft.addresses) || draft.addresses.length === 0) {
      r.fail('addresses', `must be a non-empty list of Redis URLs (${r.got('addresses', draft.addresses)})`);
    }
    connection = { kind: 'cluster', addresses: draft.addresses.map((a) => checkAddress(r, 'addresses', a)) };
  } else {
    r.fail(
      'address',
      `is required: give '${r.door.option('address')}' (one node), '${r.door.option('addresses')}' (cluster) or '${r.door.option('sentinels')}' with '${r.door.option('masterName')}' (Sentinel)`,
    );
  }
  const profile: ConnectionProfile = { name: draft.name, connection };
  const username = r.string('username', draft.username);
  const password = r.string('password', draft.password);
  if (username !== undefined) profile.username = username;
  if (password !== undefined) profile.password = password;
  const tls = checkTls<ProfileField>(r, draft.tls ?? {}, tlsAddresses(connection));
  if (tls !== undefined) profile.tls = tls;
  return profile;
}

/**
 * Addresses a `tls` block needs written as `rediss://`. None for a Sentinel connection: there the
 * block is the primary's, and the Sentinels may listen without TLS.
 */
function tlsAddresses(connection: RedisConnection): { field: ProfileField; value: string }[] {
  if (connection.kind === 'standalone') return [{ field: 'address', value: connection.address }];
  if (connection.kind === 'cluster')
    return connection.addresses.map((value) => ({ field: 'addresses', value }));
  return [];
}

function checkSentinel(r: Reporter<ProfileField>, draft: ProfileDraft): SentinelConnection {
  if (draft.sentinels === undefined) {
    r.fail('sentinels', `is required with '${r.door.option('masterName')}': the Sentinels to ask`);
  }
  if (!Array.isArray(draft.sentinels) || draft.sentinels.length === 0) {
    r.fail('sentinels', `must be a non-empty list of Redis URLs (${r.got('sentinels', draft.sentinels)})`);
  }
  const sentinels = draft.sentinels.map((a) => checkAddress(r, 'sentinels', a));
  if (draft.masterName === undefined) {
    r.fail('masterName', `is required with '${r.door.option('sentinels')}': the name the Sentinels monitor`);
  }
  const connection: SentinelConnection = {
    kind: 'sentinel',
    sentinels,
    masterName: r.string('masterName', draft.masterName, { required: true })!,
  };
  const username = r.string('sentinelUsername', draft.sentinelUsername);
  const password = r.string('sentinelPassword', draft.sentinelPassword);
  if (username !== undefined) connection.sentinelUsername = username;
  if (password !== undefined) connection.sentinelPassword = password;
  return connection;
}

function checkAddress(
  r: Reporter<ProfileField>,
  field: 'address' | 'addresses' | 'sentinels',
  value: unknown,
): string {
  const address = r.string(field, value, { required: true })!;
  // An address holding {{ VAR }} is checked once resolved, by the process that connects.
  if (!hasSecretReference(address)) {
    try {
      parseRedisUrl(address);
    } catch (e) {
      // parseRedisUrl never echoes the URL (it may hold a password), so its reason is safe to show.
      const reason = e instanceof ConfigError ? e.message : 'invalid Redis URL';
      r.fail(field, `is not a valid Redis URL: ${reason}`, e);
    }
  }
  return address;
}
