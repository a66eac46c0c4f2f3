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
import type { ConnectionProfile, RedisConnection } from '../schema/connection-profile.js';
import { didYouMean } from '../schema/did-you-mean.js';
import { SinkConfigError } from '../schema/errors.js';
import { Reporter } from '../schema/reporter.js';
import type { SqlOption } from '../schema/sql-tree.js';
import type { Column } from '../schema/sql-type.js';
import { TLS_FIELDS, TLS_SQL_OPTIONS } from '../schema/tls-profile.js';
import { PipelineSqlError } from './errors.js';

/** SQL option of every field of a stream source. */
const FIELD_OPTIONS: Readonly<Record<StreamField, string>> = {
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

const PROFILE_OPTION = 'connection_profile';

/** Every option a Redis stream source table accepts. */
export const STREAM_SOURCE_OPTIONS: readonly string[] = [
  'type',
  PROFILE_OPTION,
  ...Object.values(FIELD_OPTIONS).filter((o) => o !== 'table name'),
];

/** Where the table connects, from the script's options (see compile-script.ts). */
export interface StreamTableContext {
  profiles?: ReadonlyMap<string, ConnectionProfile>;
  /** Replaces the table's connection (`--redis`). */
  connection?: RedisConnection;
}

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
  const byKey = new Map<string, SqlOption>();
  for (const o of opts) {
    const at = o.valuePosition ?? o.keyPosition;
    if (!STREAM_SOURCE_OPTIONS.includes(o.key)) {
      const hint = didYouMean(o.key, STREAM_SOURCE_OPTIONS);
      throw new PipelineSqlError(
        `is not a known option of a Redis stream source${hint === undefined ? '' : ` (did you mean '${hint}'?)`}`,
        table,
        o.key,
        at,
      );
    }
    if (byKey.has(o.key)) throw new PipelineSqlError('is given twice', table, o.key, at);
    if (o.value === undefined) throw new PipelineSqlError("must be a literal, e.g. '10'", table, o.key, at);
    byKey.set(o.key, o);
  }
  const value = (f: StreamField) => byKey.get(FIELD_OPTIONS[f])?.value;
  const r = new Reporter<StreamField>(
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
    const list = (f: StreamField) =>
      value(f)
        ?.split(',')
        .map((a) => a.trim());
    const draft: StreamDraft = {
      name: table,
      address:
        profile !== undefined || context.connection !== undefined ? 'redis://from-profile' : value('address'),
      addresses: profile !== undefined || context.connection !== undefined ? undefined : list('addresses'),
      username: value('username'),
      password: value('password'),
      sentinels: list('sentinels'),
      masterName: value('masterName'),
      sentinelUsername: value('sentinelUsername'),
      sentinelPassword: value('sentinelPassword'),
      tls: Object.fromEntries(TLS_FIELDS.map((f) => [f, value(f)])),
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
    const options = checkStreamSource(r, draft, columns);
    if (profile !== undefined) options.profile = { ...profile, name: table };
    if (context.connection !== undefined)
      options.profile = { ...options.profile, connection: context.connection };
    return { type: 'redis-stream', ...options };
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
