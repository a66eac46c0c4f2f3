import { isAbsolute, resolve } from 'node:path';
import type { RestartPolicy } from '../actors/supervisor.js';
import type { LookupSpec } from '../lookup/lookup-spec.js';
import type { LookupTable } from '../lookup/model.js';
import type { Column } from '../schema/sql-type.js';
import type { SinkTable } from '../sink/model.js';
import { type ChangelogFormat, parseChangelogFormat } from './changelog-format.js';
import type { GeneratorOptions } from './generator-options.js';
import { parseColumns, parseGeneratorColumns, parseQueries, type QuerySpec } from './job-spec-columns.js';
import { JobSpecError } from './job-spec-error.js';
import type { RedisPubsubOptions } from './pubsub-options.js';
import { PUBSUB_SPEC_KEYS, parsePubsubSource } from './pubsub-spec.js';
import type { RedisStreamOptions } from './redis-stream-options.js';
import { parseStreamSource, STREAM_SPEC_KEYS } from './redis-stream-spec.js';

export type { QuerySpec } from './job-spec-columns.js';
export { JobSpecError } from './job-spec-error.js';

/**
 * A source. `columns` declares the rows' columns (SQL scripts set them): a generator with columns
 * generates rows of those columns; for JSON lines and ingest they type the values for queries.
 */
export type SourceSpec =
  | ({ type: 'generator' } & GeneratorOptions)
  | { type: 'jsonl'; name: string; files: string[]; columns?: Column[]; changelog?: ChangelogFormat }
  | { type: 'ingest'; name: string; bufferRows?: number; columns?: Column[] }
  | ({ type: 'redis-stream' } & RedisStreamOptions)
  | ({ type: 'redis-pubsub' } & RedisPubsubOptions);

/** A table in any of the sink's three front doors, plus where its rows come from. */
export type TableSpec = ({ sql: string } | { profile: unknown; table: unknown } | { model: SinkTable }) & {
  /** Sources feeding the table. Default: every source of the job. */
  sources?: string[];
  /** Shards (actors, each with its own client) over contiguous slot ranges. Default 1. */
  shards?: number;
};

export interface CheckpointSpec {
  /** Directory of checkpoints and the generation counter. */
  dir: string;
  /** Default {@link DEFAULT_CHECKPOINT_INTERVAL_MS}. */
  intervalMs?: number;
  /** Checkpoint files kept. Default 3. */
  keep?: number;
  /** Timeout of `WAIT` for tables with `waitReplicas`. Default {@link DEFAULT_WAIT_TIMEOUT_MS}. */
  waitTimeoutMs?: number;
}

/** A job: sources, tables, checkpointing. See docs/runtime.md for the JSON form. */
export interface JobSpec {
  name: string;
  sources: SourceSpec[];
  tables: TableSpec[];
  checkpoint: CheckpointSpec;
  /** Rows per source read. Default {@link DEFAULT_READ_BATCH}. */
  batchSize?: number;
  /** How failed attempts are restarted (see the supervisor). */
  restart?: Partial<RestartPolicy>;
  /**
   * `INSERT INTO <table> SELECT ... FROM <source> ...` statements (src/sql/): the rows a source
   * sends a table go through the query naming both. A (source, table) pair of `tables[].sources`
   * without a query passes rows unchanged.
   */
  queries?: QuerySpec[];
  /**
   * Redis lookup tables the queries may join (docs/lookup.md): `{ sql }` (the `CREATE TEMPORARY
   * TABLE` statement) or `{ model }` (its validated model). Each job attempt connects them when it
   * starts and closes them when it stops.
   */
  lookups?: LookupSpec[];
}

export const DEFAULT_CHECKPOINT_INTERVAL_MS = 1_000;
export const DEFAULT_WAIT_TIMEOUT_MS = 5_000;
export const DEFAULT_READ_BATCH = 500;

/**
 * Most shards a table may have. Each shard is an actor with its own Redis connection (its own
 * pool in a cluster) and buffers: 16 384 shards of one table took 2.2 GB and 1 424 connections
 * before they had all started. 256 shards already spread a table over more cores than one
 * coordinator's workers usually have.
 */
export const MAX_TABLE_SHARDS = 256;

/** Most partitions of a generator source: each is a reader, a channel and a checkpoint entry. */
export const MAX_GENERATOR_PARTITIONS = 1024;

const NAME = /^[A-Za-z0-9_.:-]+$/;

/**
 * Validates a job spec (parsed JSON or an object) and returns it normalized: defaults filled in,
 * relative paths resolved against `baseDir` (the spec file's directory for the CLI).
 */
export function parseJobSpec(
  input: unknown,
  baseDir = process.cwd(),
): Required<Omit<JobSpec, 'restart' | 'queries' | 'lookups'>> & JobSpec {
  const spec = obj(input, 'spec');
  const name = str(spec.name, 'name');
  if (!NAME.test(name)) throw new JobSpecError('name', `must match ${NAME}`);
  const sources = arr(spec.sources, 'sources').map((s, i) => parseSource(s, `sources[${i}]`, baseDir));
  if (sources.length === 0) throw new JobSpecError('sources', 'at least one source is needed');
  const names = new Set<string>();
  for (const s of sources) {
    if (names.has(s.name)) throw new JobSpecError('sources', `two sources are named ${s.name}`);
    names.add(s.name);
  }
  const tables = arr(spec.tables, 'tables').map((t, i) => parseTableSpec(t, `tables[${i}]`, names));
  if (tables.length === 0) throw new JobSpecError('tables', 'at least one table is needed');
  const cp = obj(spec.checkpoint, 'checkpoint');
  const checkpoint: CheckpointSpec = {
    dir: abs(str(cp.dir, 'checkpoint.dir'), baseDir),
    intervalMs: optInt(cp.intervalMs, 'checkpoint.intervalMs', 1) ?? DEFAULT_CHECKPOINT_INTERVAL_MS,
    keep: optInt(cp.keep, 'checkpoint.keep', 1) ?? 3,
    waitTimeoutMs: optInt(cp.waitTimeoutMs, 'checkpoint.waitTimeoutMs', 0) ?? DEFAULT_WAIT_TIMEOUT_MS,
  };
  unknownKeys(cp, ['dir', 'intervalMs', 'keep', 'waitTimeoutMs'], 'checkpoint');
  unknownKeys(
    spec,
    ['name', 'sources', 'tables', 'checkpoint', 'batchSize', 'restart', 'queries', 'lookups'],
    'spec',
  );
  const queries = parseQueries(spec.queries);
  const lookups =
    spec.lookups === undefined
      ? undefined
      : arr(spec.lookups, 'lookups').map((l, i) => parseLookupSpec(l, `lookups[${i}]`));
  return {
    ...(queries === undefined ? {} : { queries }),
    ...(lookups === undefined ? {} : { lookups }),
    name,
    sources,
    tables,
    checkpoint,
    batchSize: optInt(spec.batchSize, 'batchSize', 1) ?? DEFAULT_READ_BATCH,
    restart:
      spec.restart === undefined ? undefined : (obj(spec.restart, 'restart') as Partial<RestartPolicy>),
  };
}

function parseSource(v: unknown, at: string, baseDir: string): SourceSpec {
  const s = obj(v, at);
  const name = str(s.name, `${at}.name`);
  if (!NAME.test(name)) throw new JobSpecError(`${at}.name`, `must match ${NAME}`);
  switch (s.type) {
    case 'generator':
      unknownKeys(
        s,
        ['type', 'name', 'partitions', 'rowsPerPartition', 'seed', 'keys', 'groups', 'rate', 'columns'],
        at,
      );
      return withColumns(
        {
          type: 'generator',
          name,
          partitions: atMost(
            optInt(s.partitions, `${at}.partitions`, 1) ?? 1,
            MAX_GENERATOR_PARTITIONS,
            `${at}.partitions`,
          ),
          rowsPerPartition: int(s.rowsPerPartition, `${at}.rowsPerPartition`, 0),
          seed: optInt(s.seed, `${at}.seed`, 0),
          keys: optInt(s.keys, `${at}.keys`, 1),
          groups: optInt(s.groups, `${at}.groups`, 1),
          rate: optInt(s.rate, `${at}.rate`, 0),
        },
        parseGeneratorColumns(s.columns, `${at}.columns`),
      );
    case 'jsonl': {
      unknownKeys(s, ['type', 'name', 'files', 'columns', 'changelog'], at);
      const files = arr(s.files, `${at}.files`).map((f, i) => abs(str(f, `${at}.files[${i}]`), baseDir));
      if (files.length === 0) throw new JobSpecError(`${at}.files`, 'at least one file is needed');
      const changelog = parseChangelogFormat(s.changelog, `${at}.changelog`);
      return withColumns(
        changelog === undefined ? { type: 'jsonl', name, files } : { type: 'jsonl', name, files, changelog },
        parseColumns(s.columns, `${at}.columns`),
      );
    }
    case 'ingest':
      unknownKeys(s, ['type', 'name', 'bufferRows', 'columns'], at);
      return withColumns(
        { type: 'ingest', name, bufferRows: optInt(s.bufferRows, `${at}.bufferRows`, 1) },
        parseColumns(s.columns, `${at}.columns`),
      );
    case 'redis-stream':
      unknownKeys(s, STREAM_SPEC_KEYS, at);
      return parseStreamSource(s, at, parseColumns(s.columns, `${at}.columns`));
    case 'redis-pubsub':
      unknownKeys(s, PUBSUB_SPEC_KEYS, at);
      return parsePubsubSource(s, at, parseColumns(s.columns, `${at}.columns`));
    default:
      throw new JobSpecError(
        `${at}.type`,
        `must be 'generator', 'jsonl', 'ingest', 'redis-stream' or 'redis-pubsub', got ${JSON.stringify(s.type)}`,
      );
  }
}

/** The source with `columns` when it declares some (specs without them stay as they were). */
function withColumns<S extends SourceSpec>(source: S, columns: unknown[] | undefined): S {
  return columns === undefined ? source : { ...source, columns };
}

function parseTableSpec(v: unknown, at: string, sourceNames: ReadonlySet<string>): TableSpec {
  const t = obj(v, at);
  const sources =
    t.sources === undefined
      ? [...sourceNames]
      : arr(t.sources, `${at}.sources`).map((s, i) => str(s, `${at}.sources[${i}]`));
  for (const s of sources)
    if (!sourceNames.has(s)) throw new JobSpecError(`${at}.sources`, `unknown source ${s}`);
  if (sources.length === 0) throw new JobSpecError(`${at}.sources`, 'a table needs at least one source');
  const shards = atMost(optInt(t.shards, `${at}.shards`, 1) ?? 1, MAX_TABLE_SHARDS, `${at}.shards`);
  const extra = { sources, shards };
  if (typeof t.sql === 'string') {
    unknownKeys(t, ['sql', 'sources', 'shards'], at);
    return { sql: t.sql, ...extra };
  }
  if (t.model !== undefined) {
    unknownKeys(t, ['model', 'sources', 'shards'], at);
    return { model: t.model as SinkTable, ...extra };
  }
  if (t.profile !== undefined && t.table !== undefined) {
    unknownKeys(t, ['profile', 'table', 'sources', 'shards'], at);
    return { profile: t.profile, table: t.table, ...extra };
  }
  throw new JobSpecError(at, 'needs sql, or profile and table, or model');
}

function parseLookupSpec(v: unknown, at: string): LookupSpec {
  const l = obj(v, at);
  if (typeof l.sql === 'string') {
    unknownKeys(l, ['sql'], at);
    return { sql: l.sql };
  }
  if (l.model !== undefined) {
    unknownKeys(l, ['model'], at);
    return { model: obj(l.model, `${at}.model`) as unknown as LookupTable };
  }
  throw new JobSpecError(at, 'needs sql (a CREATE TEMPORARY TABLE statement) or model');
}

function obj(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new JobSpecError(at, 'must be an object');
  return v as Record<string, unknown>;
}

function arr(v: unknown, at: string): unknown[] {
  if (!Array.isArray(v)) throw new JobSpecError(at, 'must be an array');
  return v;
}

function str(v: unknown, at: string): string {
  if (typeof v !== 'string' || v === '') throw new JobSpecError(at, 'must be a non-empty string');
  return v;
}

function int(v: unknown, at: string, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new JobSpecError(at, `must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function optInt(v: unknown, at: string, min: number): number | undefined {
  return v === undefined ? undefined : int(v, at, min);
}

function atMost(n: number, max: number, at: string): number {
  if (n > max) throw new JobSpecError(at, `must be at most ${max}, got ${n}`);
  return n;
}

function abs(p: string, baseDir: string): string {
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

function unknownKeys(o: Record<string, unknown>, known: readonly string[], at: string): void {
  for (const k of Object.keys(o))
    if (!known.includes(k)) throw new JobSpecError(`${at}.${k}`, 'unknown field');
}
