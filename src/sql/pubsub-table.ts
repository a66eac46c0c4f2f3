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
import type { ConnectionProfile } from '../schema/connection-profile.js';
import { didYouMean } from '../schema/did-you-mean.js';
import { SinkConfigError } from '../schema/errors.js';
import { Reporter } from '../schema/reporter.js';
import type { SqlOption } from '../schema/sql-tree.js';
import type { Column } from '../schema/sql-type.js';
import { TLS_FIELDS, TLS_SQL_OPTIONS } from '../schema/tls-profile.js';
import { PipelineSqlError } from './errors.js';
import type { StreamTableContext } from './redis-stream-table.js';

/** SQL option of every field of a pub/sub source. */
const FIELD_OPTIONS: Readonly<Record<PubsubField, string>> = {
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
  channels: 'source.channels',
  patterns: 'source.patterns',
  shardChannels: 'source.shard_channels',
  format: 'source.format',
  bufferRows: 'source.buffer_rows',
};

const PROFILE_OPTION = 'connection_profile';

/** Options whose presence makes a Redis source table a pub/sub source. */
const SUBSCRIPTION_OPTIONS = [FIELD_OPTIONS.channels, FIELD_OPTIONS.patterns, FIELD_OPTIONS.shardChannels];

/** Every option a Redis pub/sub source table accepts. */
export const PUBSUB_SOURCE_OPTIONS: readonly string[] = [
  'type',
  PROFILE_OPTION,
  ...Object.values(FIELD_OPTIONS).filter((o) => o !== 'table name'),
];

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
  context: StreamTableContext = {},
): SourceSpec {
  const byKey = new Map<string, SqlOption>();
  for (const o of opts) {
    const at = o.valuePosition ?? o.keyPosition;
    if (!PUBSUB_SOURCE_OPTIONS.includes(o.key)) {
      const hint = didYouMean(o.key, PUBSUB_SOURCE_OPTIONS);
      throw new PipelineSqlError(
        `is not a known option of a Redis pub/sub source${hint === undefined ? '' : ` (did you mean '${hint}'?)`}`,
        table,
        o.key,
        at,
      );
    }
    if (byKey.has(o.key)) throw new PipelineSqlError('is given twice', table, o.key, at);
    if (o.value === undefined) throw new PipelineSqlError("must be a literal, e.g. '10'", table, o.key, at);
    byKey.set(o.key, o);
  }
  const value = (f: PubsubField) => byKey.get(FIELD_OPTIONS[f])?.value;
  const r = new Reporter<PubsubField>(
    { table },
    {
      option: (f) => FIELD_OPTIONS[f],
      position: (f) => byKey.get(FIELD_OPTIONS[f])?.valuePosition,
      numbersAsText: true,
    },
  );
  try {
    const named = byKey.get(PROFILE_OPTION);
    let profile: ConnectionProfile | undefined;
    if (named !== undefined) {
      profile = context.profiles?.get(named.value ?? '');
      if (profile === undefined)
        throw new PipelineSqlError(
          `names an unknown connection profile '${named.value}'`,
          table,
          PROFILE_OPTION,
          named.valuePosition,
        );
    }
    const list = (f: PubsubField) =>
      value(f)
        ?.split(',')
        .map((a) => a.trim());
    const replaced = profile !== undefined || context.connection !== undefined;
    const draft: PubsubDraft = {
      name: table,
      address: replaced ? 'redis://from-profile' : value('address'),
      addresses: replaced ? undefined : list('addresses'),
      username: value('username'),
      password: value('password'),
      sentinels: list('sentinels'),
      masterName: value('masterName'),
      sentinelUsername: value('sentinelUsername'),
      sentinelPassword: value('sentinelPassword'),
      tls: Object.fromEntries(TLS_FIELDS.map((f) => [f, value(f)])),
      channels: value('channels'),
      patterns: value('patterns'),
      shardChannels: value('shardChannels'),
      format: value('format'),
      bufferRows: value('bufferRows'),
    };
    const options = checkPubsubSource(r, draft, columns);
    if (profile !== undefined) {
      if (profile.connection.kind === 'sentinel')
        throw new PipelineSqlError(
          `names connection profile '${named?.value}', a Sentinel connection, which a pub/sub source does not support`,
          table,
          PROFILE_OPTION,
          named?.valuePosition,
        );
      options.profile = { ...profile, name: table };
    }
    if (context.connection !== undefined)
      options.profile = { ...options.profile, connection: context.connection };
    return { type: 'redis-pubsub', ...options };
  } catch (e) {
    if (!(e instanceof SinkConfigError)) throw e;
    const subject = `table '${table}': ${e.option === undefined ? '' : `option '${e.option}' `}`;
    const problem = e.message.startsWith(subject) ? e.message.slice(subject.length) : e.message;
    const at = / \(line \d+, column \d+\)$/.exec(problem);
    throw new PipelineSqlError(
      at === null ? problem : problem.slice(0, at.index),
      table,
      e.option,
      e.line === undefined ? undefined : { line: e.line, column: e.column ?? 1 },
    );
  }
}
