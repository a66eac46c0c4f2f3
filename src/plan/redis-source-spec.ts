/**
 * What the JSON forms of every Redis source of a job spec share (streams: redis-stream-spec.ts;
 * pub/sub: pubsub-spec.ts): the connection as `address` (one node) or `addresses` (cluster seeds)
 * with `username` and `password`, or `profile` (a validated connection profile, as the SQL
 * compiler writes it), and errors that name the field.
 */

import type { ConnectionProfile } from '../schema/connection-profile.js';
import { SinkConfigError } from '../schema/errors.js';
import type { ProfileDraft } from '../schema/profile-check.js';
import { Reporter } from '../schema/reporter.js';
import { JobSpecError } from './job-spec-error.js';

/** Keys every Redis source of a job spec may have, before its own. */
export const REDIS_SOURCE_SPEC_KEYS: readonly string[] = [
  'type',
  'name',
  'profile',
  'address',
  'addresses',
  'username',
  'password',
];

/**
 * Validates source `s` (at `at` in the spec) with `check`, its own options' check. `refuse`
 * returns why a given profile cannot serve this source, if it cannot.
 *
 * @throws JobSpecError naming the field.
 */
export function parseRedisSourceSpec<
  F extends string,
  O extends { name: string; profile: ConnectionProfile },
>(
  s: Record<string, unknown>,
  at: string,
  check: (r: Reporter<F>, draft: ProfileDraft & Record<string, unknown>) => O,
  refuse?: (profile: ConnectionProfile) => string | undefined,
): O {
  const name = s.name as string;
  const r = new Reporter<F>(
    { table: name },
    { option: (f) => `${at}.${f === 'sentinels' ? 'profile' : f}`, numbersAsText: false },
  );
  try {
    const profile = s.profile;
    if (profile === undefined) return check(r, { ...s, name });
    for (const k of ['address', 'addresses', 'username', 'password'])
      if (s[k] !== undefined) throw new JobSpecError(`${at}.${k}`, "cannot be combined with 'profile'");
    const p = r.object(`${at}.profile`, profile) as unknown as ConnectionProfile;
    if (typeof p.connection !== 'object' || p.connection === null)
      throw new JobSpecError(`${at}.profile.connection`, 'must be an object');
    const refused = refuse?.(p);
    if (refused !== undefined) throw new JobSpecError(`${at}.profile.connection`, refused);
    // The profile replaces the address; the draft still needs one to pass its checks.
    const options = check(r, { ...s, name, address: 'redis://placeholder' });
    return { ...options, name, profile: { ...p, name: p.name ?? name } };
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
