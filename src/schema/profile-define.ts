/**
 * TypeScript front door of a connection profile: a typed object in the model's own shape goes
 * through the same checks as a JSON body or SQL options (shared by sink tables and lookups).
 */

import type { ConnectionProfile } from './connection-profile.js';
import { checkName, checkProfile, type ProfileField } from './profile-check.js';
import { type Door, Reporter } from './reporter.js';
import { TLS_KEYS, tlsDraftOf, tlsOptionNames } from './tls-profile.js';

/** A connection profile written in TypeScript: the model's shape. */
export type ProfileDefinition = ConnectionProfile;

const PROFILE_KEYS = ['name', 'connection', 'username', 'password', 'tls'];
const CONNECTION_KEYS = [
  'kind',
  'address',
  'addresses',
  'sentinels',
  'masterName',
  'sentinelUsername',
  'sentinelPassword',
];
/** The connection fields each kind takes (beside `kind`). */
const KIND_KEYS: Readonly<Record<string, readonly ProfileField[]>> = {
  standalone: ['address'],
  cluster: ['addresses'],
  sentinel: ['sentinels', 'masterName', 'sentinelUsername', 'sentinelPassword'],
};

const PROFILE_NAMES: Partial<Record<ProfileField, string>> = {
  address: 'connection.address',
  addresses: 'connection.addresses',
  sentinels: 'connection.sentinels',
  masterName: 'connection.masterName',
  sentinelUsername: 'connection.sentinelUsername',
  sentinelPassword: 'connection.sentinelPassword',
  ...tlsOptionNames('tls.'),
};
const PROFILE_DOOR: Door<ProfileField> = { option: (f) => PROFILE_NAMES[f] ?? f, numbersAsText: false };

/**
 * Validates a typed connection profile and returns a normalized copy.
 *
 * @throws SinkConfigError naming the profile and the option.
 */
export function defineProfile(profile: ProfileDefinition): ConnectionProfile {
  const obj = new Reporter({ unnamed: true }, PROFILE_DOOR).object('profile', profile);
  const r = new Reporter(
    { profile: checkName(new Reporter({ unnamed: true }, PROFILE_DOOR), obj.name) },
    PROFILE_DOOR,
  );
  return profileOf(r, obj, '');
}

export function profileOf(
  r: Reporter<ProfileField>,
  obj: Record<string, unknown>,
  prefix: string,
): ConnectionProfile {
  r.knownKeys(obj, PROFILE_KEYS, prefix);
  if (obj.connection === undefined)
    r.failOption(
      `${prefix}connection`,
      "is required ({ kind: 'standalone', address }, { kind: 'cluster', addresses } or { kind: 'sentinel', sentinels, masterName })",
    );
  const connection = r.object(`${prefix}connection`, obj.connection);
  r.knownKeys(connection, CONNECTION_KEYS, `${prefix}connection.`);
  const kind = connection.kind;
  if (kind !== undefined && (typeof kind !== 'string' || !Object.hasOwn(KIND_KEYS, kind))) {
    r.failOption(
      `${prefix}connection.kind`,
      `must be 'standalone', 'cluster' or 'sentinel' (${r.got(undefined, kind)})`,
    );
  }
  if (kind !== undefined) {
    const own = KIND_KEYS[kind as string];
    const wrong = (CONNECTION_KEYS.slice(1) as ProfileField[]).find(
      (f) => connection[f] !== undefined && !own.includes(f),
    );
    if (wrong !== undefined) r.fail(wrong, `does not apply to a '${kind}' connection`);
  }
  const tls = obj.tls === undefined ? {} : r.object(`${prefix}tls`, obj.tls);
  r.knownKeys(tls, TLS_KEYS, `${prefix}tls.`);
  return checkProfile(r, {
    name: obj.name as string,
    address: connection.address,
    addresses: connection.addresses,
    username: obj.username,
    password: obj.password,
    sentinels: connection.sentinels,
    masterName: connection.masterName,
    sentinelUsername: connection.sentinelUsername,
    sentinelPassword: connection.sentinelPassword,
    tls: tlsDraftOf(tls),
  });
}
