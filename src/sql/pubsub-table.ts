/**
 * A Redis pub/sub source table of a pipeline script:
 *
 * ```sql
 * CREATE TABLE clicks (user_id TEXT, page TEXT) WITH (
 *   connector = 'redis', type = 'source', address = 'redis://127.0.0.1:6379',
 *   'source.channels' = 'clicks', 'source.patterns' = 'clicks.*'
 * );
 * ```
 *
 * A `connector = 'redis', type = 'source'` table is a pub/sub source when it names channels,
 * patterns or shard channels, and a stream source (redis-stream-table.ts) otherwise. Connection
 * options are the sink's, checked by the same validators. docs/pubsub-source.md lists them.
 */

import type { SourceSpec } from '../plan/job-spec.js';
import { checkPubsubSource, type PubsubDraft, type PubsubField } from '../plan/pubsub-options.js';
import { PROFILE_SQL_OPTIONS } from '../schema/profile-check.js';
import type { SqlOption } from '../schema/sql-tree.js';
import type { Column } from '../schema/sql-type.js';
import { PipelineSqlError } from './errors.js';
import {
  PROFILE_OPTION,
  type RedisSourceTableContext,
  redisSourceTable,
  replacedProfile,
  sourceOptionsOf,
} from './redis-source-table.js';

/** SQL option of every field of a pub/sub source. */
const FIELD_OPTIONS: Readonly<Record<PubsubField, string>> = {
  ...PROFILE_SQL_OPTIONS,
  channels: 'source.channels',
  patterns: 'source.patterns',
  shardChannels: 'source.shard_channels',
  format: 'source.format',
  bufferRows: 'source.buffer_rows',
};

/** Options whose presence makes a Redis source table a pub/sub source. */
const SUBSCRIPTION_OPTIONS = [FIELD_OPTIONS.channels, FIELD_OPTIONS.patterns, FIELD_OPTIONS.shardChannels];

/** Every option a Redis pub/sub source table accepts. */
export const PUBSUB_SOURCE_OPTIONS: readonly string[] = sourceOptionsOf(FIELD_OPTIONS);

/** True when a Redis source table's options name channels, patterns or shard channels. */
export function isPubsubTable(opts: readonly SqlOption[]): boolean {
  return opts.some((o) => SUBSCRIPTION_OPTIONS.includes(o.key));
}

/**
 * The job spec source of a `connector = 'redis', type = 'source'` table with subscriptions.
 *
 * @throws PipelineSqlError naming the table and the option.
 */
export function redisPubsubTable(
  table: string,
  opts: readonly SqlOption[],
  columns: Column[],
  context: RedisSourceTableContext = {},
): SourceSpec {
  return redisSourceTable(table, opts, 'pub/sub', FIELD_OPTIONS, context, (parts) => {
    const { value } = parts;
    const draft: PubsubDraft = {
      ...parts.connection,
      channels: value('channels'),
      patterns: value('patterns'),
      shardChannels: value('shardChannels'),
      format: value('format'),
      bufferRows: value('bufferRows'),
    };
    const options = checkPubsubSource(parts.reporter, draft, columns);
    if (parts.profile?.profile.connection.kind === 'sentinel')
      throw new PipelineSqlError(
        `names connection profile '${parts.profile.option.value}', a Sentinel connection, which a pub/sub source does not support`,
        table,
        PROFILE_OPTION,
        parts.profile.option.valuePosition,
      );
    options.profile = replacedProfile(table, parts, context, options.profile);
    return { type: 'redis-pubsub', ...options };
  });
}
