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

import type { Column } from '../schema/sql-type.js';
import { parseRedisSourceSpec, REDIS_SOURCE_SPEC_KEYS } from './redis-source-spec.js';
import { checkStreamSource, type RedisStreamOptions, type StreamField } from './redis-stream-options.js';

/** Keys a `redis-stream` source may have. */
export const STREAM_SPEC_KEYS: readonly string[] = [
  ...REDIS_SOURCE_SPEC_KEYS,
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
  const options = parseRedisSourceSpec<StreamField, RedisStreamOptions>(s, at, (r, draft) =>
    checkStreamSource(r, draft, columns),
  );
  return { type: 'redis-stream', ...options };
}
