/**
 * Pipelines written as SQL: a script of `CREATE TABLE` statements, Redis sink tables (the sink's
 * own DDL, sink/config/sql-ddl.ts) and source tables (`connector = 'generator'` or `'jsonl'`),
 * translated to a job spec (docs/runtime.md) in which every sink is fed by every source. See
 * docs/pipelines.md.
 */
import { LaminarError } from '../resp/errors.js';
import type { JobSpec, SourceSpec, TableSpec } from '../runtime/job-spec.js';
import { didYouMean } from '../sink/config/did-you-mean.js';
import type { SqlPosition } from '../sink/config/errors.js';
import { loadSqlParser, parseCreateTableSync, parseStatements } from '../sink/config/sql-ddl.js';
import type { ConnectionProfile } from '../sink/model.js';
import { extent, isNode, isolate, type SqlOption, statementRanges, withOptions } from './sql-script.js';

/** A pipeline script that is valid SQL but not a valid pipeline. Names the table and option. */
export class PipelineSqlError extends LaminarError {
  constructor(
    problem: string,
    readonly table?: string,
    readonly option?: string,
    readonly position?: SqlPosition,
  ) {
    const subject = table === undefined ? 'pipeline script' : `table '${table}'`;
    const what = option === undefined ? '' : `option '${option}' `;
    const at = position === undefined ? '' : ` (line ${position.line}, column ${position.column})`;
    super('ERR_PIPELINE_SQL', `${subject}: ${what}${problem}${at}`);
  }
}

export interface PipelineSqlOptions {
  /** The pipeline's name (the job spec's `name`). */
  name: string;
  /** Shards of each sink table. */
  shards: number;
  /** Stored profiles a sink table may name with `connection_profile = '<name>'`. */
  profiles?: ReadonlyMap<string, ConnectionProfile>;
}

/** Columns of a generator row (actors/sources/generator.ts). */
const GENERATOR_COLUMNS = ['id', 'p', 'i', 'k', 'g', 'f', 'v', 'n'];

/** SQL option → generator field, and whether it is required. */
const GENERATOR_OPTIONS: ReadonlyMap<string, { field: string; min: number; required?: true }> = new Map([
  ['partitions', { field: 'partitions', min: 1 }],
  ['rows_per_partition', { field: 'rowsPerPartition', min: 0, required: true }],
  ['seed', { field: 'seed', min: 0 }],
  ['keys', { field: 'keys', min: 1 }],
  ['groups', { field: 'groups', min: 1 }],
  ['rate', { field: 'rate', min: 0 }],
]);
const COMMON_OPTIONS = ['connector', 'type'];
const JSONL_OPTIONS = ['path', 'files'];

/**
 * Translates a pipeline script into a job spec without `checkpoint` (the caller sets it).
 *
 * @throws SqlSyntaxError with the line and column of a syntax error in the script.
 * @throws SinkConfigError for a sink table (positions are the script's).
 * @throws PipelineSqlError for source tables, other statements, or a script without a source
 *   or a sink.
 */
export async function pipelineFromSql(
  sql: string,
  options: PipelineSqlOptions,
): Promise<Omit<JobSpec, 'checkpoint'>> {
  await loadSqlParser();
  const statements = parseStatements(sql);
  const ranges = statementRanges(sql, statements);
  const sources: SourceSpec[] = [];
  const sinks: TableSpec[] = [];
  const names = new Set<string>();
  for (const [k, statement] of statements.entries()) {
    const create = isNode(statement) && isNode(statement.CreateTable) ? statement.CreateTable : undefined;
    if (create === undefined) {
      const kind = isNode(statement) ? (Object.keys(statement)[0] ?? 'unknown') : String(statement);
      throw new PipelineSqlError(
        `statement ${k + 1} is ${kind}: a pipeline script holds only CREATE TABLE statements (sources and sinks; every sink is fed by every source)`,
        undefined,
        undefined,
        extent(statement)?.start,
      );
    }
    const table = tableName(create);
    const opts = withOptions(create);
    const connector = opts.find((o) => o.key === 'connector');
    if (names.has(table))
      throw new PipelineSqlError('is declared twice', table, undefined, extent(create)?.start);
    names.add(table);
    switch (connector?.value?.toLowerCase()) {
      case 'redis': {
        const text = isolate(sql, ranges[k]);
        const profiles = new RecordingProfiles(options.profiles);
        const model = parseCreateTableSync(text, { profiles });
        // Workers do not see the coordinator's profiles: a table that names one travels as its model.
        const front =
          profiles.looked.length > 0 ? { model } : { sql: sql.slice(ranges[k][0], ranges[k][1]).trim() };
        sinks.push({ ...front, shards: options.shards });
        break;
      }
      case 'generator':
        checkColumns(create, table);
        sources.push(generatorSource(table, opts));
        break;
      case 'jsonl':
        sources.push(jsonlSource(table, opts));
        break;
      case undefined:
        throw new PipelineSqlError(
          "is required ('redis' for a sink, 'generator' or 'jsonl' for a source)",
          table,
          'connector',
          extent(create)?.start,
        );
      default:
        throw new PipelineSqlError(
          `'${connector?.value}' is not supported in a pipeline script ('redis' sinks, 'generator' and 'jsonl' sources)`,
          table,
          'connector',
          connector?.valueSpan?.start,
        );
    }
  }
  if (sources.length === 0) {
    throw new PipelineSqlError("has no source table (connector = 'generator' or 'jsonl')");
  }
  if (sinks.length === 0) throw new PipelineSqlError("has no sink table (connector = 'redis')");
  const all = sources.map((s) => s.name);
  return { name: options.name, sources, tables: sinks.map((t) => ({ ...t, sources: all })) };
}

function tableName(create: Record<string, unknown>): string {
  const parts = Array.isArray(create.name) ? create.name : [];
  const node =
    parts.length === 1 && isNode(parts[0]) && isNode(parts[0].Identifier) ? parts[0].Identifier : parts[0];
  if (parts.length !== 1 || !isNode(node) || typeof node.value !== 'string') {
    throw new PipelineSqlError(
      'qualified table names (schema.table) are not supported',
      undefined,
      undefined,
      extent(create.name)?.start,
    );
  }
  return node.value;
}

/** Options of a source table: known names only (with a suggestion), each once, `type` = source. */
function sourceOptions(table: string, opts: SqlOption[], known: readonly string[]): Map<string, SqlOption> {
  const byKey = new Map<string, SqlOption>();
  for (const o of opts) {
    const at = o.valueSpan?.start;
    if (!known.includes(o.key)) {
      const hint = didYouMean(o.key, known);
      throw new PipelineSqlError(
        `is not a known option${hint === undefined ? ` (known: ${known.join(', ')})` : ` (did you mean '${hint}'?)`}`,
        table,
        o.key,
        at,
      );
    }
    if (byKey.has(o.key)) throw new PipelineSqlError('is given twice', table, o.key, at);
    if (o.value === undefined) throw new PipelineSqlError("must be a literal, e.g. '10'", table, o.key, at);
    byKey.set(o.key, o);
  }
  const type = byKey.get('type');
  if (type !== undefined && type.value?.toLowerCase() !== 'source') {
    throw new PipelineSqlError(
      `must be 'source' for this connector (got '${type.value}')`,
      table,
      'type',
      type.valueSpan?.start,
    );
  }
  return byKey;
}

function generatorSource(table: string, opts: SqlOption[]): SourceSpec {
  const byKey = sourceOptions(table, opts, [...COMMON_OPTIONS, ...GENERATOR_OPTIONS.keys()]);
  const source: Record<string, unknown> = { type: 'generator', name: table };
  for (const [option, { field, min, required }] of GENERATOR_OPTIONS) {
    const o = byKey.get(option);
    if (o === undefined) {
      if (required) throw new PipelineSqlError('is required', table, option);
      continue;
    }
    const n = Number(o.value);
    if (!/^\d+$/.test(o.value ?? '') || !Number.isSafeInteger(n) || n < min) {
      throw new PipelineSqlError(
        `must be an integer >= ${min} (got '${o.value}')`,
        table,
        option,
        o.valueSpan?.start,
      );
    }
    source[field] = n;
  }
  return source as SourceSpec;
}

function jsonlSource(table: string, opts: SqlOption[]): SourceSpec {
  const byKey = sourceOptions(table, opts, [...COMMON_OPTIONS, ...JSONL_OPTIONS]);
  const path = byKey.get('path');
  const files = byKey.get('files');
  if ((path === undefined) === (files === undefined)) {
    throw new PipelineSqlError(
      "needs exactly one of 'path' (one file) and 'files' (comma-separated)",
      table,
      'path',
    );
  }
  const list = path !== undefined ? [path.value ?? ''] : (files?.value ?? '').split(',').map((f) => f.trim());
  if (list.some((f) => f === '')) {
    const o = path ?? files;
    throw new PipelineSqlError(
      'has an empty file name',
      table,
      o === path ? 'path' : 'files',
      o?.valueSpan?.start,
    );
  }
  return { type: 'jsonl', name: table, files: list };
}

/** Generator tables may declare columns, but only ones a generator row has. */
function checkColumns(create: Record<string, unknown>, table: string): void {
  for (const c of Array.isArray(create.columns) ? create.columns : []) {
    const name = isNode(c) && isNode(c.name) ? c.name : undefined;
    if (name !== undefined && typeof name.value === 'string' && !GENERATOR_COLUMNS.includes(name.value)) {
      throw new PipelineSqlError(
        `declares column '${name.value}', which generator rows do not have (${GENERATOR_COLUMNS.join(', ')})`,
        table,
        'columns',
        extent(name)?.start,
      );
    }
  }
}

/**
 * A profiles map for the DDL parser that notes which names a statement looked up: the parser
 * consults it only for `connection_profile = '<name>'`, so this tells whether the table depends
 * on a stored profile without reading the tree twice.
 */
export class RecordingProfiles extends Map<string, ConnectionProfile> {
  readonly looked: string[] = [];
  constructor(profiles: ReadonlyMap<string, ConnectionProfile> | undefined) {
    super(profiles ?? []);
  }
  override get(name: string): ConnectionProfile | undefined {
    this.looked.push(name);
    return super.get(name);
  }
}
