/**
 * Source tables of a pipeline script — `CREATE TABLE name (columns) WITH (connector = ...)` with
 * connector `generator`, `jsonl` or `ingest`, or `redis` with `type = 'source'` (a Redis stream
 * source, redis-stream-table.ts) — turned into job spec sources. See docs/pipelines.md and
 * docs/sources.md for every option.
 */

import { type GeneratorColumn, generatorColumnProblem } from '../plan/column-generator.js';
import type { SourceSpec } from '../plan/job-spec.js';
import { lookupType, SQL_TYPES } from '../schema/column-types.js';
import { didYouMean } from '../schema/did-you-mean.js';
import type { SqlPosition } from '../schema/errors.js';
import { isNumeric } from '../schema/expr-type.js';
import { typeName } from '../schema/sql-parser.js';
import { extent, type SqlOption } from '../schema/sql-tree.js';
import type { Column, SqlType } from '../schema/sql-type.js';
import { PipelineSqlError } from './errors.js';
import { JSONL_CHANGELOG_OPTIONS, jsonlChangelog } from './jsonl-changelog.js';
import { isPubsubTable, redisPubsubTable } from './pubsub-table.js';
import { redisStreamTable, type StreamTableContext } from './redis-stream-table.js';
import { identOf, isNode, type Node } from './tree.js';

/** Columns of a built-in generator row (dataflow/sources/generator.ts), with their types. */
export const GENERATOR_ROW_COLUMNS: readonly Column[] = [
  { name: 'id', type: 'TEXT', nullable: false },
  { name: 'p', type: 'INTEGER', nullable: false },
  { name: 'i', type: 'BIGINT', nullable: false },
  { name: 'k', type: 'TEXT', nullable: false },
  { name: 'g', type: 'TEXT', nullable: false },
  { name: 'f', type: 'TEXT', nullable: false },
  { name: 'v', type: 'BIGINT', nullable: false },
  { name: 'n', type: 'TEXT', nullable: false },
];

/** SQL option → generator field, its minimum, and whether it is required. */
const GENERATOR_OPTIONS: ReadonlyMap<
  string,
  { field: string; min: number; required?: true; builtIn?: true }
> = new Map([
  ['partitions', { field: 'partitions', min: 1 }],
  ['rows_per_partition', { field: 'rowsPerPartition', min: 0, required: true }],
  ['seed', { field: 'seed', min: 0 }],
  ['keys', { field: 'keys', min: 1, builtIn: true }],
  ['groups', { field: 'groups', min: 1, builtIn: true }],
  ['rate', { field: 'rate', min: 0 }],
]);
const COMMON_OPTIONS = ['connector', 'type'];
const JSONL_OPTIONS = ['path', 'files', ...JSONL_CHANGELOG_OPTIONS];
const INGEST_OPTIONS = ['buffer_rows'];
/** `'fields.<column>.<option>'` → GeneratorColumn field. */
const FIELD_OPTIONS: ReadonlyMap<string, keyof GeneratorColumn> = new Map([
  ['kind', 'kind'],
  ['values', 'values'],
  ['min', 'min'],
  ['max', 'max'],
  ['cardinality', 'cardinality'],
  ['null_rate', 'nullRate'],
  ['per_partition', 'perPartition'],
  ['step_ms', 'stepMs'],
]);

/** The connectors a source table may have. */
export const SOURCE_CONNECTORS = ['generator', 'jsonl', 'ingest'];

/** A source table's spec, from its `CREATE TABLE` node and `WITH` options. */
export function sourceTable(
  table: string,
  connector: string,
  create: Node,
  opts: readonly SqlOption[],
  context: StreamTableContext = {},
): SourceSpec {
  const columns = declaredColumns(table, create);
  switch (connector) {
    case 'redis':
      return (isPubsubTable(opts) ? redisPubsubTable : redisStreamTable)(
        table,
        opts,
        columns.map(({ name, type, nullable }) => ({ name, type, nullable })),
        context,
      );
    case 'generator':
      return generatorSource(table, opts, columns);
    case 'jsonl':
      return withColumns(jsonlSource(table, opts), columns);
    default:
      return withColumns(ingestSource(table, opts), columns);
  }
}

function withColumns<S extends SourceSpec>(s: S, columns: DeclaredColumn[]): S {
  return columns.length === 0
    ? s
    : { ...s, columns: columns.map(({ name, type, nullable }) => ({ name, type, nullable })) };
}

interface DeclaredColumn extends Column {
  position: SqlPosition | undefined;
}

function declaredColumns(table: string, create: Node): DeclaredColumn[] {
  const out: DeclaredColumn[] = [];
  for (const c of Array.isArray(create.columns) ? create.columns : []) {
    const name = isNode(c) ? identOf(c.name) : undefined;
    if (name === undefined) continue;
    const position = extent(name.node)?.start;
    const spelled = typeName((c as Node).data_type);
    const type = spelled === undefined ? undefined : lookupType(spelled);
    if (type === undefined) {
      throw new PipelineSqlError(
        `declares column '${name.value}' with unsupported type ${spelled ?? '(unknown)'} (supported: ${SQL_TYPES.join(', ')})`,
        table,
        'columns',
        position,
      );
    }
    if (out.some((o) => o.name === name.value)) {
      throw new PipelineSqlError(`declares column '${name.value}' twice`, table, 'columns', position);
    }
    const notNull =
      Array.isArray((c as Node).options) &&
      ((c as Node).options as Node[]).some((o) => o.option === 'NotNull');
    out.push({ name: name.value, type, nullable: !notNull, position });
  }
  return out;
}

/** Options of a source table: known names only (with a suggestion), each once, `type` = source. */
function sourceOptions(
  table: string,
  opts: readonly SqlOption[],
  known: readonly string[],
  extra?: (key: string) => boolean,
): Map<string, SqlOption> {
  const byKey = new Map<string, SqlOption>();
  for (const o of opts) {
    const at = o.valueSpan?.start;
    if (!known.includes(o.key) && !extra?.(o.key)) {
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
    // An interval literal reads as milliseconds: only a duration in ms may take one.
    if (o.intervalMs !== undefined && !o.key.endsWith('.step_ms')) {
      throw new PipelineSqlError(
        "takes no interval (of a source's options, 'fields.<column>.step_ms' does)",
        table,
        o.key,
        at,
      );
    }
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

function integerOption(table: string, o: SqlOption, min: number): number {
  const n = Number(o.value);
  if (!/^\d+$/.test(o.value ?? '') || !Number.isSafeInteger(n) || n < min) {
    throw new PipelineSqlError(
      `must be an integer >= ${min} (got '${o.value}')`,
      table,
      o.key,
      o.valueSpan?.start,
    );
  }
  return n;
}

/**
 * A generator: the built-in rows `{ id, p, i, k, g, f, v, n }` when the table declares no
 * columns but those (with their types) and no `fields.*` option; otherwise rows of the declared
 * columns (column-generator.ts), shaped by `'fields.<column>.<option>'`.
 */
function generatorSource(table: string, opts: readonly SqlOption[], columns: DeclaredColumn[]): SourceSpec {
  const isField = (key: string) => key.startsWith('fields.');
  const byKey = sourceOptions(table, opts, [...COMMON_OPTIONS, ...GENERATOR_OPTIONS.keys()], isField);
  const builtIn =
    ![...byKey.keys()].some(isField) &&
    columns.every((c) => GENERATOR_ROW_COLUMNS.some((b) => b.name === c.name));
  const source: Record<string, unknown> = { type: 'generator', name: table };
  for (const [option, { field, min, required, builtIn: builtInOnly }] of GENERATOR_OPTIONS) {
    const o = byKey.get(option);
    if (o === undefined) {
      if (required) throw new PipelineSqlError('is required', table, option);
      continue;
    }
    if (builtInOnly && !builtIn) {
      throw new PipelineSqlError(
        "applies to the built-in generator rows only; with declared columns use 'fields.<column>.cardinality'",
        table,
        option,
        o.valueSpan?.start,
      );
    }
    source[field] = integerOption(table, o, min);
  }
  if (builtIn) {
    for (const c of columns) {
      const b = GENERATOR_ROW_COLUMNS.find((x) => x.name === c.name)!;
      if (b.type !== c.type) {
        throw new PipelineSqlError(
          `declares built-in generator column '${c.name}' as ${c.type}, but it is ${b.type} (declare other columns, or 'fields.*' options, for a generator of your own columns)`,
          table,
          'columns',
          c.position,
        );
      }
    }
    return source as SourceSpec;
  }
  if (columns.length === 0) {
    throw new PipelineSqlError("has 'fields.*' options but declares no columns", table, 'columns');
  }
  const generated: GeneratorColumn[] = columns.map((c) => ({ name: c.name, type: c.type }));
  for (const [key, o] of byKey) {
    if (!isField(key)) continue;
    const rest = key.slice('fields.'.length);
    const dot = rest.lastIndexOf('.');
    const columnName = rest.slice(0, dot);
    const option = rest.slice(dot + 1);
    const column = generated.find((c) => c.name === columnName);
    const at = o.valueSpan?.start;
    if (dot <= 0 || column === undefined) {
      throw new PipelineSqlError(
        `names no declared column (write 'fields.<column>.<option>'; columns: ${columns.map((c) => c.name).join(', ')})`,
        table,
        key,
        at,
      );
    }
    const field = FIELD_OPTIONS.get(option);
    if (field === undefined) {
      const hint = didYouMean(option, [...FIELD_OPTIONS.keys()]);
      throw new PipelineSqlError(
        `is not a known column option${hint === undefined ? ` (known: ${[...FIELD_OPTIONS.keys()].join(', ')})` : ` (did you mean '${hint}'?)`}`,
        table,
        key,
        at,
      );
    }
    (column as unknown as Record<string, unknown>)[field] = fieldValue(table, key, column.type, field, o);
    const problem = generatorColumnProblem(column);
    if (problem !== undefined) throw new PipelineSqlError(`is not valid: ${problem}`, table, key, at);
  }
  source.columns = generated;
  return source as SourceSpec;
}

/** The value of a `'fields.<column>.<option>'` option, in the type the column wants. */
function fieldValue(
  table: string,
  key: string,
  type: SqlType,
  field: keyof GeneratorColumn,
  o: SqlOption,
): unknown {
  const text = (o.value ?? '').trim();
  const bad = (why: string): never => {
    throw new PipelineSqlError(why, table, key, o.valueSpan?.start);
  };
  const scalar = (s: string): unknown => {
    if (isNumeric(type)) {
      const n = Number(s);
      return s === '' || Number.isNaN(n) ? bad(`'${s}' is not a number`) : n;
    }
    if (type === 'BOOLEAN')
      return s === 'true' ? true : s === 'false' ? false : bad(`'${s}' is not true or false`);
    return s;
  };
  switch (field) {
    case 'kind':
      return text.toLowerCase();
    case 'values': {
      if (text.startsWith('[')) {
        try {
          return JSON.parse(text);
        } catch {
          return bad('is not a JSON array');
        }
      }
      if (type === 'JSON') return bad('for a JSON column, give a JSON array: \'[{"a": 1}, [1, 2]]\'');
      return text.split(',').map((v) => scalar(v.trim()));
    }
    case 'min':
    case 'max':
      return type === 'TIMESTAMP' ? text : scalar(text);
    case 'perPartition':
      return text === 'true' ? true : text === 'false' ? false : bad("must be 'true' or 'false'");
    default: {
      const n = Number(text);
      return text === '' || Number.isNaN(n) ? bad(`'${text}' is not a number`) : n;
    }
  }
}

function jsonlSource(table: string, opts: readonly SqlOption[]): SourceSpec {
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
  const changelog = jsonlChangelog(table, byKey);
  return changelog === undefined
    ? { type: 'jsonl', name: table, files: list }
    : { type: 'jsonl', name: table, files: list, changelog };
}

function ingestSource(table: string, opts: readonly SqlOption[]): SourceSpec {
  const byKey = sourceOptions(table, opts, [...COMMON_OPTIONS, ...INGEST_OPTIONS]);
  const buffer = byKey.get('buffer_rows');
  return buffer === undefined
    ? { type: 'ingest', name: table }
    : { type: 'ingest', name: table, bufferRows: integerOption(table, buffer, 1) };
}
