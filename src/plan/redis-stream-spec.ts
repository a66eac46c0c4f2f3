/**
 * The JSON form of a Redis stream source in a job spec:
 *
 * ```json
 * { "type": "redis-stream", "name": "orders", "address": "redis://127.0.0.1:6379",
 *   "streams": ["orders:eu", "orders:us"], "group": "laminar", "start": "0" }
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
import { checkStreamSource, type RedisStreamOptions, type StreamField } from './redis-stream-options.js';

/** Keys a `redis-stream` source may have. */
export const STREAM_SPEC_KEYS: readonly string[] = [
  'type',
  'name',
  'profile',
  'address',
  'addresses',
  'username',
  'password',
  'streams',
  'pattern',
  'group',
  'consumer',
  'start',
  'format',
  'jsonField',
  'claimIdleMs',
  'batch',
  'pollMs',
  'columns',
];

/**
 * A `redis-stream` source of a job spec, validated.
 *
 * @throws JobSpecError naming the field.
 */
export function parseStreamSource(
  s: Record<string, unknown>,
  at: string,
  columns: Column[] | undefined,
): { type: 'redis-stream' } & RedisStreamOptions {
  const name = s.name as string;
  const r = new Reporter<StreamField>(
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
      const options = checkStreamSource(r, { ...s, name, address: 'redis://placeholder' }, columns);
      return { type: 'redis-stream', ...options, name, profile: { ...p, name: p.name ?? name } };
    }
    return { type: 'redis-stream', ...checkStreamSource(r, { ...s, name }, columns) };
  } catch (e) {
    if (!(e instanceof SinkConfigError)) throw e;
    // The reporter's message repeats the subject and the option, which JobSpecError names already.
    const subject = `table '${name}': ${e.option === undefined ? '' : `option '${e.option}' `}`;
    throw new JobSpecError(
      e.option ?? at,
      e.message.startsWith(subject) ? e.message.slice(subject.length) : e.message,
    );
  }
}
