/**
 * A Redis stream source table of a pipeline script:
 *
 * ```sql
 * CREATE TABLE orders (id TEXT, amount DOUBLE) WITH (
 *   connector = 'redis', type = 'source', address = 'redis://127.0.0.1:6379',
 *   'source.streams' = 'orders:eu,orders:us', 'source.group' = 'laminar', 'source.start' = '0'
 * );
 * ```
 *
 * Connection options are the sink's (`address`, `'cluster.addresses'`, `username`, `password`,
 * `'sentinel.*'`, `'tls.*'`, `connection_profile`), checked by the same validators; the
 * `'source.*'` options follow the sink's `'sink.*'` spelling. docs/sources.md lists them.
 */

import type { SourceSpec } from '../plan/job-spec.js';
import { checkStreamSource, type StreamDraft, type StreamField } from '../plan/redis-stream-options.js';
import { PROFILE_SQL_OPTIONS } from '../schema/profile-check.js';
import type { SqlOption } from '../schema/sql-tree.js';
import type { Column } from '../schema/sql-type.js';
import {
  type RedisSourceTableContext,
  redisSourceTable,
  replacedProfile,
  sourceOptionsOf,
} from './redis-source-table.js';

/** SQL option of every field of a stream source. */
const FIELD_OPTIONS: Readonly<Record<StreamField, string>> = {
  ...PROFILE_SQL_OPTIONS,
  streams: 'source.streams',
  pattern: 'source.stream_pattern',
  group: 'source.group',
  consumer: 'source.consumer',
  start: 'source.start',
  format: 'source.format',
  jsonField: 'source.json_field',
  claimIdleMs: 'source.claim_idle_ms',
  batch: 'source.batch',
  pollMs: 'source.poll_ms',
};

/** Every option a Redis stream source table accepts. */
export const STREAM_SOURCE_OPTIONS: readonly string[] = sourceOptionsOf(FIELD_OPTIONS);

/** Where the table connects, from the script's options (see compile-script.ts). */
export type StreamTableContext = RedisSourceTableContext;

/**
 * The job spec source of a `connector = 'redis', type = 'source'` table.
 *
 * @throws PipelineSqlError naming the table and the option.
 */
export function redisStreamTable(
  table: string,
  opts: readonly SqlOption[],
  columns: Column[],
  context: StreamTableContext = {},
): SourceSpec {
  return redisSourceTable(table, opts, 'stream', FIELD_OPTIONS, context, (parts) => {
    const { value } = parts;
    const draft: StreamDraft = {
      ...parts.connection,
      streams: value('streams'),
      pattern: value('pattern'),
      group: value('group'),
      consumer: value('consumer'),
      start: value('start'),
      format: value('format'),
      jsonField: value('jsonField'),
      claimIdleMs: value('claimIdleMs'),
      batch: value('batch'),
      pollMs: value('pollMs'),
    };
    const options = checkStreamSource(parts.reporter, draft, columns);
    options.profile = replacedProfile(table, parts, context, options.profile);
    return { type: 'redis-stream', ...options };
  });
}
