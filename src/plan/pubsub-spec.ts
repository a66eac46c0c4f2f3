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

import type { Column } from '../schema/sql-type.js';
import { checkPubsubSource, type PubsubField, type RedisPubsubOptions } from './pubsub-options.js';
import { parseRedisSourceSpec, REDIS_SOURCE_SPEC_KEYS } from './redis-source-spec.js';

/** Keys a `redis-pubsub` source may have. */
export const PUBSUB_SPEC_KEYS: readonly string[] = [
  ...REDIS_SOURCE_SPEC_KEYS,
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
  const options = parseRedisSourceSpec<PubsubField, RedisPubsubOptions>(
    s,
    at,
    (r, draft) => checkPubsubSource(r, draft, columns),
    (p) =>
      p.connection.kind === 'sentinel'
        ? 'a Sentinel connection is not supported by a pub/sub source'
        : undefined,
  );
  return { type: 'redis-pubsub', ...options };
}
