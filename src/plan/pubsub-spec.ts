/**
 * The JSON form of a Redis pub/sub source in a job spec:
 *
 * ```json
 * { "type": "redis-pubsub", "name": "clicks", "address": "redis://127.0.0.1:6379",
 *   "channels": ["clicks"], "patterns": ["clicks.*"], "format": "json" }
 * ```
 *
 * The connection is `address` (one node) or `addresses` (cluster seeds) with `username` and
 * `password`, or `profile` (a validated connection profile, as the SQL compiler writes it).
 */

import type { ConnectionProfile } from '../schema/connection-profile.js';
import { SinkConfigError } from '../schema/errors.js';
import { Reporter } from '../schema/reporter.js';
import type { Column } from '../schema/sql-type.js';
import { JobSpecError } from './job-spec-error.js';
import { checkPubsubSource, type PubsubField, type RedisPubsubOptions } from './pubsub-options.js';

/** Keys a `redis-pubsub` source may have. */
export const PUBSUB_SPEC_KEYS: readonly string[] = [
  'type',
  'name',
  'profile',
  'address',
  'addresses',
  'username',
  'password',
  'channels',
  'patterns',
  'shardChannels',
  'format',
  'bufferRows',
  'columns',
];

/**
 * A `redis-pubsub` source of a job spec, validated.
 *
 * @throws JobSpecError naming the field.
 */
export function parsePubsubSource(
  s: Record<string, unknown>,
  at: string,
  columns: Column[] | undefined,
): { type: 'redis-pubsub' } & RedisPubsubOptions {
  const name = s.name as string;
  const r = new Reporter<PubsubField>(
    { table: name },
    { option: (f) => `${at}.${f === 'sentinels' ? 'profile' : f}`, numbersAsText: false },
  );
  try {
    const profile = s.profile;
    if (profile !== undefined) {
      for (const k of ['address', 'addresses', 'username', 'password'])
        if (s[k] !== undefined) throw new JobSpecError(`${at}.${k}`, "cannot be combined with 'profile'");
      const p = r.object(`${at}.profile`, profile) as unknown as ConnectionProfile;
      if (typeof p.connection !== 'object' || p.connection === null)
        throw new JobSpecError(`${at}.profile.connection`, 'must be an object');
      if (p.connection.kind === 'sentinel')
        throw new JobSpecError(
          `${at}.profile.connection`,
          'a Sentinel connection is not supported by a pub/sub source',
        );
      const options = checkPubsubSource(r, { ...s, name, address: 'redis://placeholder' }, columns);
      return { type: 'redis-pubsub', ...options, name, profile: { ...p, name: p.name ?? name } };
    }
    return { type: 'redis-pubsub', ...checkPubsubSource(r, { ...s, name }, columns) };
  } catch (e) {
    if (e instanceof SinkConfigError) throw new JobSpecError(e.option ?? at, e.message);
    throw e;
  }
}
